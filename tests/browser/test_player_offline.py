"""A TV that reboots without network plays its last playlist, media included (the
player's service worker keeps them in Cache Storage), and objects that leave the
playlist leave the cache."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, Route

from expotv.demo import run_demo
from tests import support
from tests.browser.player import record_swaps, wait_playing
from tests.conftest import make_settings

pytestmark = pytest.mark.browser

MEDIA_CACHE = "expotv-media-v1"
PAGES_CACHE = "expotv-player-v1"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[contextlib.ExitStack, str, list[str]]]:
    """A server of its own (this test stops it), with the demo data."""
    settings = make_settings(tmp_path)
    support.migrate(settings)
    result = support.run_in_thread(
        lambda: asyncio.run(run_demo(settings, quiet_if_filled=True))
    )
    with contextlib.ExitStack() as stack:
        live = stack.enter_context(support.live_server(settings))
        yield stack, live.base_url, result.tv_codes


async def cached_urls(page: Page, name: str) -> set[str]:
    urls: list[str] = await page.evaluate(
        """(name) => caches.open(name)
            .then((cache) => cache.keys())
            .then((keys) => keys.map((request) => request.url))""",
        name,
    )
    return set(urls)


async def wait_until(check: Any, timeout_s: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "tempo esgotado"
        await asyncio.sleep(0.25)


async def test_a_tv_rebooting_offline_plays_its_last_playlist_with_its_media(
    browser: Browser, server: tuple[contextlib.ExitStack, str, list[str]]
) -> None:
    stack, base_url, codes = server
    code = codes[0]
    drop: set[str] = set()

    async def short_slots(route: Route) -> None:
        # The real playlist, with 1-second slots (and, later, without some media).
        headers = dict(route.request.headers)
        headers.pop("if-none-match", None)  # a 304 could not be rewritten
        response = await route.fetch(headers=headers)
        if response.status != 200:
            await route.fulfill(response=response)
            return
        body = json.loads(await response.body())
        body["itens"] = [
            dict(item, duracao=1)
            for item in body["itens"]
            if item["archive_url"] not in drop
        ]
        if drop:
            body["versao"] = body["versao"][:-4] + "0000"
        await route.fulfill(response=response, body=json.dumps(body))

    context = await browser.new_context(
        viewport={"width": 960, "height": 540}, service_workers="allow"
    )
    await context.route("**/app/tv/*/content", short_slots)
    page = await context.new_page()
    await page.goto(f"{base_url}/tv/{code}")
    await wait_playing(page)
    async with httpx.AsyncClient(base_url=base_url) as client:
        playlist = (await client.get(f"/app/tv/{code}/content")).json()["itens"]
    media = {
        f"{base_url}{item[key]}"
        for item in playlist
        for key in ("archive_url", "thumbnail_url")
        if item[key]
    }
    assert any(url.endswith(".mp4") for url in media)

    async def all_cached() -> bool:
        return media <= await cached_urls(page, MEDIA_CACHE)

    await wait_until(lambda: page.evaluate("!!navigator.serviceWorker.controller"))
    await wait_until(all_cached)
    assert f"{base_url}/tv/{code}" in await cached_urls(page, PAGES_CACHE)

    # An anúncio leaves the playlist: its picture leaves the cache.
    gone = next(
        i for i in playlist if i["tipo"] == "anuncio" and i["tipo_midia"] == "imagem"
    )
    drop.add(gone["archive_url"])
    await page.reload()
    await wait_playing(page)

    async def pruned() -> bool:
        return f"{base_url}{gone['archive_url']}" not in await cached_urls(
            page, MEDIA_CACHE
        )

    await wait_until(pruned)
    kept = {
        f"{base_url}{i['archive_url']}"
        for i in playlist
        if i["archive_url"] and i["archive_url"] != gone["archive_url"]
    }
    assert kept <= await cached_urls(page, MEDIA_CACHE)

    # The server goes away; the TV reboots.
    await context.unroute("**/app/tv/*/content")
    stack.close()
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient(base_url=base_url) as client:
            await client.get("/health/live")
    await page.reload()
    await wait_playing(page)
    await record_swaps(page)
    expected = {
        str(i["id"]) + i["tipo"] for i in playlist if i["archive_url"] not in drop
    }

    async def looped() -> bool:
        swaps = await page.evaluate("window.__swaps")
        return expected <= {s["id"] + s["tipo"] for s in swaps}

    await wait_until(looped, timeout_s=60)
    for swap in await page.evaluate("window.__swaps"):
        if swap["img"] is not None:
            assert swap["img"] > 0, swap
        if swap["video"] is not None:
            assert swap["video"] >= 3, swap
    await context.close()
