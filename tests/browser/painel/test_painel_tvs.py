"""TVs in the dashboard: a síndico registers one and shapes its loop."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.painel.conftest import Painel

pytestmark = pytest.mark.browser


async def test_sindico_registers_a_tv_and_gets_its_code(
    as_sindico: Page, painel: Painel
) -> None:
    page = as_sindico
    await page.goto(painel.url("/painel/tvs"))
    await page.get_by_role("link", name="Cadastrar TV").first.click()
    await page.get_by_label("Nome da TV").fill("Portaria")
    await page.get_by_role("button", name="Cadastrar TV").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Portaria")
    await expect(page.locator("[data-flash]")).to_contain_text("TV cadastrada")
    code = (await page.locator("[data-tv-code]").inner_text()).strip()
    assert re.fullmatch(r"[23456789A-HJKMNP-Z]{6}", code)
    await expect(page.locator("[data-copy-source]")).to_have_text(
        f"{painel.base_url}/tv/{code}"
    )
    frame = page.locator("[data-preview-frame]")
    await expect(frame).to_have_attribute("src", f"/tv/{code}?preview=1")
    # The flash message's ?ok= leaves the address bar (a reload would repeat it).
    await expect(page).to_have_url(re.compile(r"/painel/tvs/\d+$"))


async def test_proportions_preview_follows_the_inputs_before_saving(
    as_sindico: Page, painel: Painel
) -> None:
    page = as_sindico
    await page.goto(painel.url("/painel/tvs"))
    await page.locator("[data-tv]").first.click()
    total = page.locator("[data-loop-total]")
    before = await total.inner_text()
    bar = page.locator("[data-loop-bar] rect")
    await page.get_by_label("Notícias", exact=True).fill("0")
    await expect(page.locator("[data-loop-counts]")).not_to_contain_text("notícia")
    await expect(page.locator(".loop .slot-noticia")).to_have_count(0)
    await page.get_by_label("Avisos", exact=True).fill("3")
    # The demo has three avisos: with 3 per cycle the loop opens with all of them.
    slots = page.locator(".loop .slot")
    for index in range(3):
        await expect(slots.nth(index)).to_have_class("slot slot-aviso")
    await expect(slots.nth(3)).to_have_class("slot slot-anuncio")
    await expect(total).not_to_have_text(before)
    assert await bar.count() == int((await total.inner_text()).split()[0])
    await page.get_by_label("Anúncios", exact=True).fill("0")
    await page.get_by_label("Avisos", exact=True).fill("0")
    await expect(page.locator("[data-error-for=proporcao_anuncios]")).to_contain_text(
        "A soma"
    )
    # Nothing was saved: the page comes back with the stored proportions.
    await page.reload()
    await expect(page.get_by_label("Notícias", exact=True)).to_have_value("3")


async def test_tv_turns_online_on_the_page_without_a_reload(
    as_sindico: Page, painel: Painel
) -> None:
    page = as_sindico
    code = painel.tv_codes[2]
    await page.goto(painel.url("/painel/tvs?q=" + code))
    card = page.locator("[data-tv]")
    await expect(card).to_have_count(1)
    badge = card.locator("[data-tv-status]")
    await expect(badge).to_have_text("Offline")
    await page.request.post(painel.url(f"/app/tv/{code}/ping"), data={})
    for _ in range(40):
        # A tab coming back to the front asks at once instead of at the next tick.
        await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
        if await badge.inner_text() == "Online":
            break
        await page.wait_for_timeout(250)
    await expect(badge).to_have_text("Online")
    await expect(card.locator("[data-tv-ping]")).to_have_text("agora")
