"""Each layout in each screen shape: text fitted (never clipped, never below the
readable minimum, paged when it is still too long), media letter-boxed, and a
screenshot of each written to test-artifacts/player/."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page

from tests.browser.conftest import DemoServer
from tests.browser.player import (
    SHAPES,
    TEXT_MIN_RATIO,
    TITLE_MIN_RATIO,
    StubServer,
    anuncio,
    aviso,
    content,
    landscape_jpeg,
    long_text,
    new_player_page,
    noticia,
    screenshot,
    wait_playing,
)

pytestmark = pytest.mark.browser

# Reads, in the visible layer, what the checks need.
MEASURE = """() => {
    const layer = document.querySelector('.layer.is-on');
    const box = (el) => {
        const r = el.getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};
    };
    const out = {texts: [], viewport: [innerWidth, innerHeight]};
    for (const el of layer.querySelectorAll('.title, .text, .meta, .tag')) {
        const style = getComputedStyle(el);
        const entry = {
            cls: el.className, box: box(el), font: parseFloat(style.fontSize),
            lineHeight: parseFloat(style.lineHeight),
            scrollH: el.scrollHeight, clientH: el.clientHeight,
            scrollW: el.scrollWidth, clientW: el.clientWidth,
            pages: Number(el.dataset.paginas || 1), lines: [],
        };
        if (el.classList.contains('text')) {
            const range = document.createRange();
            range.selectNodeContents(el.querySelector('.text-inner'));
            entry.lines = [...range.getClientRects()].map(
                (r) => [r.top, r.bottom, r.left, r.right]);
            entry.innerH = el.querySelector('.text-inner').offsetHeight;
        }
        out.texts.push(entry);
    }
    const corner = document.getElementById('corner').getBoundingClientRect();
    out.corner = {top: corner.top, bottom: corner.bottom, left: corner.left,
                  right: corner.right};
    const media = layer.querySelector('.media, .figure img');
    if (media) {
        out.media = {box: box(media), fit: getComputedStyle(media).objectFit,
                     natural: [media.naturalWidth || media.videoWidth,
                               media.naturalHeight || media.videoHeight]};
    }
    return out;
}"""


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def check_fitted(measured: dict[str, Any], shape: str) -> None:
    width, height = SHAPES[shape]
    short = min(width, height)
    texts = measured["texts"]
    assert texts, "nenhum texto na tela"
    for entry in texts:
        where = f"{shape} {entry['cls']}"
        box = entry["box"]
        # Inside the screen and clear of the corner (clock and condomínio).
        assert box["left"] >= 0, where
        assert box["top"] >= 0, where
        assert box["right"] <= width + 0.5, where
        assert box["bottom"] <= height + 0.5, where
        assert not overlaps(box, measured["corner"]), where
        assert entry["scrollW"] <= entry["clientW"] + 1, f"{where}: transborda"
        if entry["cls"].startswith("title"):
            assert entry["font"] >= math.ceil(TITLE_MIN_RATIO * short / 100), where
        if not entry["cls"].startswith("text"):
            continue
        assert entry["font"] >= math.ceil(TEXT_MIN_RATIO * short / 100), where
        if entry["pages"] == 1:
            assert entry["scrollH"] <= entry["clientH"] + 1, f"{where}: cortado"
            continue
        # Paged: the box holds whole lines, every line on screen is whole, and the
        # pages together cover the text.
        line = entry["lineHeight"]
        lines_per_page = entry["clientH"] / line
        assert abs(lines_per_page - round(lines_per_page)) < 0.02, where
        assert entry["pages"] * entry["clientH"] >= entry["innerH"] - 1, where
        for top, bottom, _, _ in entry["lines"]:
            inside = top >= box["top"] - 0.5 and bottom <= box["bottom"] + 0.5
            outside = bottom <= box["top"] + 0.5 or top >= box["bottom"] - 0.5
            assert inside or outside, f"{where}: linha cortada em {top:.0f}"
    titles = [e for e in texts if e["cls"].startswith("title")]
    bodies = [e for e in texts if e["cls"].startswith("text")]
    if titles and bodies:
        assert titles[0]["box"]["bottom"] <= bodies[0]["box"]["top"] + 0.5


@pytest.fixture(scope="module")
async def media(demo_server: DemoServer) -> dict[str, dict[str, Any]]:
    """One picture and one video of the demo data (real files served by the app)."""
    async with httpx.AsyncClient(base_url=demo_server.base_url) as client:
        found: dict[str, dict[str, Any]] = {}
        for code in demo_server.tv_codes:
            body = (await client.get(f"/app/tv/{code}/content")).json()
            for item in body["itens"]:
                if item["archive_url"]:
                    found.setdefault(item["tipo_midia"], item)
    assert set(found) == {"imagem", "video"}
    return found


def layouts(media: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    picture = media["imagem"]
    return {
        "aviso": aviso(1),
        "aviso-2000": aviso(
            2, titulo="Obras na cobertura do Bloco B", mensagem=long_text(2000)
        ),
        "aviso-foto": aviso(
            3,
            titulo="Festa junina no salão de festas",
            archive_url=picture["archive_url"],
            tipo_midia="imagem",
            thumbnail_url=picture["thumbnail_url"],
            mensagem=long_text(1200),
        ),
        "noticia-longa": noticia(
            4,
            titulo="Prefeitura anuncia novo calendário de coleta seletiva com "
            "horários ampliados em todos os bairros da zona sul a partir de janeiro",
            resumo=long_text(900),
        ),
        "noticia-foto": noticia(5, archive_url=PHOTO, tipo_midia="imagem"),
        "anuncio": anuncio(6, picture),
        "anuncio-video": anuncio(7, media["video"]),
        "emergencia": aviso(
            8,
            titulo="Vazamento de gás no Bloco A",
            mensagem="Saia pelas escadas. Não use os elevadores nem "
            "acione interruptores. Os bombeiros já foram chamados.",
        ),
    }


FITTED = ("aviso-2000", "noticia-longa", "aviso-foto")
PHOTO = "/media/exemplo/paisagem.jpg"


@pytest.fixture(params=list(SHAPES))
async def shaped_page(
    request: pytest.FixtureRequest, browser: Browser
) -> AsyncIterator[tuple[str, Page]]:
    context, page = await new_player_page(browser, request.param)
    photo = landscape_jpeg()
    await page.route(
        f"**{PHOTO}",
        lambda route: route.fulfill(body=photo, content_type="image/jpeg"),
    )
    yield request.param, page
    await context.close()


async def show(
    page: Page, base_url: str, code: str, item: dict[str, Any], *, modo: str = "normal"
) -> StubServer:
    stub = StubServer(content(code, [item], modo=modo))
    await page.unroute("**/app/tv/*/content")
    await page.unroute("**/app/tv/*/ping")
    await stub.install(page)
    await page.goto(f"{base_url}/tv/{code}")
    await wait_playing(page, item["id"])
    return stub


async def wait_until(page: Page, predicate: str, timeout: float = 20.0) -> None:
    """``page.wait_for_function`` evaluates its predicate with ``eval`` inside the
    page, which the player's Content-Security-Policy forbids: poll from outside."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await page.evaluate(predicate):
        assert asyncio.get_running_loop().time() < deadline, predicate
        await asyncio.sleep(0.05)


async def test_each_layout_fits_every_screen_shape(
    shaped_page: tuple[str, Page],
    demo_server: DemoServer,
    media: dict[str, dict[str, Any]],
) -> None:
    shape, page = shaped_page
    code = demo_server.tv_codes[0]
    for name, item in layouts(media).items():
        modo = "emergencia" if name == "emergencia" else "normal"
        await show(page, demo_server.base_url, code, item, modo=modo)
        if item["archive_url"]:
            await wait_until(
                page,
                """() => { const m = document.querySelector(
                    '.layer.is-on .media, .layer.is-on .figure img');
                    return m && (m.naturalWidth > 0 || m.readyState >= 2); }""",
            )
        await wait_until(  # the end of the cross-fade
            page,
            "() => getComputedStyle(document.querySelector('.layer.is-on')).opacity"
            " === '1'",
        )
        measured = await page.evaluate(MEASURE)
        if name in FITTED or name in ("aviso", "noticia-foto", "emergencia"):
            check_fitted(measured, shape)
        if name.startswith("anuncio"):
            # Full-bleed, letter-boxed: the whole picture, never cropped.
            assert measured["media"]["fit"] == "contain"
            box = measured["media"]["box"]
            assert (box["right"] - box["left"], box["bottom"] - box["top"]) == SHAPES[
                shape
            ]
        if name == "noticia-foto":
            assert measured["media"]["natural"][0] > 0
        await screenshot(page, f"{name}-{shape}")


async def test_long_aviso_pages_through_its_duration(
    browser: Browser, demo_server: DemoServer
) -> None:
    context, page = await new_player_page(browser, "720p")
    await page.clock.install()
    item = aviso(2, mensagem=long_text(2000), duracao=20)
    stub = StubServer(content(demo_server.tv_codes[0], [item, aviso(3)]))
    await stub.install(page)
    await page.goto(f"{demo_server.base_url}/tv/{demo_server.tv_codes[0]}")
    await page.clock.run_for(3100)
    await wait_playing(page, 2)
    text = page.locator(".layer.is-on .text")
    pages = int(await text.get_attribute("data-paginas") or 1)
    assert pages >= 2
    seen = set()
    for _ in range(40):
        await page.clock.run_for(1000)
        if await page.locator("#stage").get_attribute("data-id") != "2":
            break
        seen.add(await text.get_attribute("data-pagina") or "1")
    # Every page was shown, and then the loop moved on.
    assert seen == {str(n) for n in range(1, pages + 1)}
    assert await page.locator("#stage").get_attribute("data-id") == "3"
    await context.close()


async def test_noticia_without_its_picture_shows_the_text_alone(
    browser: Browser, demo_server: DemoServer
) -> None:
    context, page = await new_player_page(browser, "1080p")
    await page.route("**/media/quebrada.jpg", lambda route: route.abort())
    item = noticia(5, archive_url="/media/quebrada.jpg", tipo_midia="imagem")
    await show(page, demo_server.base_url, demo_server.tv_codes[0], item)
    slide = page.locator(".layer.is-on .slide")
    assert "has-figure" not in (await slide.get_attribute("class") or "")
    assert await page.locator(".layer.is-on .title").inner_text() == item["titulo"]
    assert await page.locator(".layer.is-on .text").inner_text() == item["resumo"]
    meta = await page.locator(".layer.is-on .meta").inner_text()
    assert "Agência Brasil" in meta
    check_fitted(await page.evaluate(MEASURE), "1080p")
    await context.close()
