"""A síndico's whole path, in Chromium: a TV, an anúncio uploaded with its progress
bar, the TV's preview playing it, proportions changed, and the real player
following an edit without a reload."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, ConsoleMessage, expect

from tests.browser.painel.conftest import Painel, new_context, screenshot, sign_in
from tests.integration.media.samples import avi_mpeg4, incompressible_png

pytestmark = pytest.mark.browser

# Upload speed while the progress bar is watched (bytes per second).
SLOW_UPLOAD = 768 * 1024


async def test_sindico_puts_an_anuncio_on_a_new_tv(
    browser: Browser, painel: Painel
) -> None:
    context = await new_context(browser, painel, None)
    page = await context.new_page()
    await sign_in(page, painel, "sindico")

    # A condomínio of its own (within its limit) and a TV in it.
    await page.get_by_role("link", name="Condomínios").click()
    await page.get_by_role("link", name="Novo condomínio").click()
    condo_name = f"Edifício Teste {painel.database}"
    await page.get_by_label("Nome").fill(condo_name)
    await page.get_by_role("button", name="Criar condomínio").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(condo_name)
    await page.get_by_role("link", name="Cadastrar TV").first.click()
    await page.get_by_label("Nome da TV").fill("Portaria")
    await page.get_by_role("button", name="Cadastrar TV").click()
    await expect(page.locator("[data-tv-code]")).to_have_text(re.compile(r"\w{6}"))
    tv_url = page.url
    code = (await page.locator("[data-tv-code]").inner_text()).strip()

    # An image anúncio for that condomínio, uploaded on a slow link.
    await page.get_by_role("link", name="Anúncios").click()
    await page.get_by_role("link", name="Novo anúncio").click()
    await page.get_by_label("Título").fill("Padaria Pão Quente")
    await page.get_by_role("checkbox", name=condo_name, exact=True).check()
    await page.locator("[data-file]").set_input_files(
        files=[
            {
                "name": "padaria.png",
                "mimeType": "image/png",
                "buffer": incompressible_png((220, 120, 40)),
            }
        ]
    )
    await expect(page.locator("[data-file-name]")).to_have_text("padaria.png")
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 20,
            "downloadThroughput": -1,
            "uploadThroughput": SLOW_UPLOAD,
        },
    )
    # The bar's values are read in the page (every 20 ms, told over the console,
    # which outlives the navigation that ends the upload): a loaded machine's
    # round trips from here would miss the short upload's middle.
    seen: set[int] = set()

    def progress(message: ConsoleMessage) -> None:
        if message.text.startswith("expotv-progress:"):
            seen.add(int(float(message.text.split(":", 1)[1])))

    page.on("console", progress)
    await page.evaluate(
        """() => setInterval(() => {
            const bar = document.querySelector('[data-progress] progress');
            if (bar && bar.value !== window.__lastProgress) {
                window.__lastProgress = bar.value;
                console.log('expotv-progress:' + bar.value);
            }
        }, 20)"""
    )
    await page.get_by_role("button", name="Publicar").click()
    await expect(page).to_have_url(re.compile(r"/painel/anuncios$"), timeout=60_000)
    page.remove_listener("console", progress)
    await cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": -1,
        },
    )
    assert any(0 < value < 100 for value in seen), seen
    await expect(page.locator("[data-flash]")).to_have_text("Anúncio publicado.")
    card = page.locator("[data-item]", has_text="Padaria Pão Quente")
    thumbnail = card.locator("[data-item-thumb] img")
    await expect(thumbnail).to_have_attribute("src", re.compile(r"^/media/"))
    await page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0",
        arg=await thumbnail.element_handle(),
    )
    ad_id = await card.get_attribute("data-item")
    if painel.database == "sqlite":
        await screenshot(page, "anuncios-depois-do-envio")

    # The TV's page plays it in its preview (which does not count as the TV).
    await page.goto(tv_url)
    frame_stage = page.frame_locator("[data-preview-frame]").locator("#stage")
    await expect(frame_stage).to_have_attribute("data-id", ad_id or "", timeout=20_000)
    await expect(frame_stage).to_have_attribute("data-tipo", "anuncio")
    await expect(page.locator("[data-tv-status]")).to_have_text("Offline")
    if painel.database == "sqlite":
        await screenshot(page, "tv-com-anuncio")

    # Proportions: no anúncios; the loop preview follows, and so does the player.
    await page.get_by_label("Anúncios", exact=True).fill("0")
    await expect(page.locator(".loop .slot-anuncio")).to_have_count(0)
    await expect(page.locator("[data-loop-counts]")).to_have_text(
        re.compile(r"^\d+ notícias?$")
    )
    await page.get_by_role("button", name="Salvar proporções").click()
    await expect(page.locator("[data-flash]")).to_contain_text("Proporções salvas")
    await expect(frame_stage).to_have_attribute("data-tipo", "noticia", timeout=20_000)
    # And back to anúncios only, for the real player.
    await page.get_by_label("Anúncios", exact=True).fill("1")
    await page.get_by_label("Notícias", exact=True).fill("0")
    await page.get_by_role("button", name="Salvar proporções").click()
    await expect(page.locator("[data-flash]")).to_contain_text("Proporções salvas")

    # The real player, in another browser, follows an edit without a reload.
    tv_context = await browser.new_context(viewport={"width": 1280, "height": 720})
    player = await tv_context.new_page()
    await player.goto(painel.url(f"/tv/{code}"))
    stage = player.locator("#stage")
    await expect(stage).to_have_attribute("data-id", ad_id or "", timeout=20_000)
    picture = player.locator(".layer.is-on img").first
    await expect(picture).to_have_attribute("src", re.compile(r"/media/"))
    before = await picture.get_attribute("src")
    await player.evaluate("window.__semRecarregar = true")

    await page.goto(painel.url(f"/painel/anuncios/{ad_id}"))
    await page.locator("[data-file]").set_input_files(
        files=[
            {
                "name": "padaria-nova.png",
                "mimeType": "image/png",
                "buffer": incompressible_png((40, 90, 200), size=(400, 300)),
            }
        ]
    )
    await page.get_by_role("button", name="Salvar").click()
    await expect(page.locator("[data-flash]")).to_have_text("Anúncio salvo.")

    await expect(player.locator(".layer.is-on img").first).not_to_have_attribute(
        "src", before or "", timeout=20_000
    )
    assert await player.evaluate("window.__semRecarregar === true")
    await tv_context.close()
    await context.close()


async def test_sindico_puts_an_aviso_on_the_lobby_tv_from_the_home_page(
    browser: Browser, painel: Painel
) -> None:
    """The path a síndico new to the product takes: a few fields, one button."""
    context = await new_context(browser, painel, None, phone=True)
    page = await context.new_page()
    await sign_in(page, painel, "sindico")
    await page.get_by_role("link", name="Publicar um aviso").click()
    await page.get_by_label("Título").fill("Água cortada amanhã")
    await page.get_by_label("Mensagem").fill("A Sabesp avisou: sem água das 9h às 12h.")
    # Already ticked when the síndico has one condomínio; ticked here either way.
    await page.get_by_role(
        "checkbox", name="Residencial Jardim das Acácias", exact=True
    ).check()
    await page.get_by_role("button", name="Publicar").click()
    await expect(page.locator("[data-flash]")).to_have_text("Aviso publicado.")
    await expect(page.locator("[data-item]").first).to_contain_text(
        "Água cortada amanhã"
    )
    content = await page.request.get(
        painel.url(f"/app/tv/{painel.tv_codes[0]}/content")
    )
    titles = [item["titulo"] for item in (await content.json())["itens"]]
    assert "Água cortada amanhã" in titles
    await context.close()


async def test_a_video_turns_from_processando_into_no_ar_without_a_reload(
    browser: Browser, painel: Painel
) -> None:
    """A video is converted off the request: the list shows it waiting, then on
    air, by itself."""
    context = await new_context(browser, painel, "sindico")
    page = await context.new_page()
    await page.goto(painel.url("/painel/anuncios/novo"))
    await page.get_by_label("Título").fill("Vídeo da academia")
    await page.get_by_role(
        "checkbox", name="Residencial Jardim das Acácias", exact=True
    ).check()
    await page.locator("[data-file]").set_input_files(
        files=[
            {
                "name": "academia.avi",
                "mimeType": "video/x-msvideo",
                # Converted to H.264 off the request, for a second or two.
                "buffer": avi_mpeg4(audio=None, frames=300, size=(1280, 720)),
            }
        ]
    )
    await expect(page.locator("[data-file-info]")).to_contain_text("Vídeo")
    await page.get_by_role("button", name="Publicar").click()
    await expect(page.locator("[data-flash]")).to_have_text("Anúncio publicado.")
    card = page.locator("[data-item]", has_text="Vídeo da academia")
    await expect(card).to_have_attribute("data-status", "processando")
    await expect(card.locator("[data-item-status] .badge")).to_have_text("Processando")
    await page.evaluate("window.__semRecarregar = true")
    await expect(card).to_have_attribute("data-status", "ativo", timeout=30_000)
    await expect(card.locator("[data-item-status] .badge")).to_have_text("No ar")
    assert await page.evaluate("window.__semRecarregar === true")
    await context.close()
