"""The TV player page in a real Chromium, against a real server with demo data."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import DemoServer

pytestmark = pytest.mark.browser


async def test_player_plays_the_demo_playlist(
    browser: Browser, demo_server: DemoServer
) -> None:
    page = await browser.new_page()
    code = demo_server.tv_codes[0]
    await page.goto(f"{demo_server.base_url}/tv/{code.lower()}")
    stage = page.locator("#stage")
    await expect(stage).to_have_attribute("data-state", "tocando", timeout=10_000)
    # The demo TV's ratio starts each cycle with an aviso: a text card.
    await expect(stage).to_have_attribute("data-tipo", "aviso")
    await expect(page.locator(".layer.is-on .title")).to_contain_text("elevador")
    assert await stage.get_attribute("data-versao")
    await page.close()


async def test_player_plays_the_uploaded_video(
    browser: Browser, demo_server: DemoServer
) -> None:
    page = await browser.new_page()
    code = demo_server.tv_codes[1]
    await page.goto(f"{demo_server.base_url}/tv/{code}")
    await expect(page.locator("#stage")).to_have_attribute(
        "data-state", "tocando", timeout=10_000
    )
    # Jump straight to the video item instead of waiting through the loop.
    played = await page.evaluate(
        """async (code) => {
            const data = await (await fetch('/app/tv/' + code + '/content')).json();
            const item = data.itens.find((i) => i.tipo_midia === 'video');
            const video = document.createElement('video');
            video.muted = true;
            video.src = item.archive_url;
            document.body.appendChild(video);
            await video.play();
            await new Promise((r) => setTimeout(r, 800));
            return {time: video.currentTime, width: video.videoWidth};
        }""",
        code,
    )
    assert played["time"] > 0
    assert played["width"] == 640
    await page.close()


async def test_player_keeps_playing_from_local_storage_when_offline(
    browser: Browser, demo_server: DemoServer
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    url = f"{demo_server.base_url}/tv/{demo_server.tv_codes[2]}"
    await page.goto(url)
    await expect(page.locator("#stage")).to_have_attribute(
        "data-state", "tocando", timeout=10_000
    )
    # The server becomes unreachable for the page's API calls; a reload still plays.
    await context.route("**/app/tv/**", lambda route: route.abort())
    await page.reload()
    await expect(page.locator("#stage")).to_have_attribute(
        "data-state", "tocando", timeout=10_000
    )
    await context.close()


async def test_unknown_code_gets_a_full_screen_404_page(
    browser: Browser, demo_server: DemoServer
) -> None:
    page = await browser.new_page()
    response = await page.goto(f"{demo_server.base_url}/tv/ZZZZZZ")
    assert response is not None
    assert response.status == 404
    await expect(page.locator("h1")).to_have_text("TV não encontrada")
    await page.close()
