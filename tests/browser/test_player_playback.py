"""Playback in a real Chromium: transitions on a slow link, failing media, emergencies,
retries with backoff, and a simulated day of looping that must not grow anything."""

from __future__ import annotations

import asyncio
import io
import json
import time
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.async_api import Browser, Page, Route, WebSocketRoute

from tests.browser.conftest import DemoServer
from tests.browser.player import (
    StubServer,
    anuncio,
    aviso,
    content,
    frame_problem,
    long_text,
    new_player_page,
    noticia,
    record_swaps,
    wait_playing,
)

pytestmark = pytest.mark.browser

SLOW_LINK = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 1_000_000 / 8,
    "uploadThroughput": 1_000_000 / 8,
}


@pytest.fixture(scope="module")
async def demo_media(demo_server: DemoServer) -> list[dict[str, Any]]:
    """The demo's media items (real pictures and a real video served by the app)."""
    async with httpx.AsyncClient(base_url=demo_server.base_url) as client:
        seen: dict[str, dict[str, Any]] = {}
        for code in demo_server.tv_codes:
            body = (await client.get(f"/app/tv/{code}/content")).json()
            for item in body["itens"]:
                if item["archive_url"]:
                    seen.setdefault(item["archive_url"], item)
    return list(seen.values())


async def test_slow_link_transitions_show_no_blank_frame_and_full_durations(
    browser: Browser, demo_server: DemoServer, demo_media: list[dict[str, Any]]
) -> None:
    context, page = await new_player_page(browser, "720p")
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
    pictures = [m for m in demo_media if m["tipo_midia"] == "imagem"]
    video = next(m for m in demo_media if m["tipo_midia"] == "video")
    broken = {
        "archive_url": "/media/imagem/2026/01/01/quebrada.png",
        "tipo_midia": "imagem",
        "thumbnail_url": None,
    }
    items = [
        aviso(1, duracao=3),
        anuncio(2, pictures[0], duracao=3),
        anuncio(3, broken, duracao=3),  # a 404: skipped, the loop goes on
        anuncio(4, pictures[1], duracao=3),
        anuncio(5, video, duracao=3),
        noticia(
            6, duracao=3, archive_url=pictures[2]["archive_url"], tipo_midia="imagem"
        ),
    ]
    stub = StubServer(content(demo_server.tv_codes[0], items))
    await stub.install(page)
    await page.goto(f"{demo_server.base_url}/tv/{demo_server.tv_codes[0]}")
    await wait_playing(page, 1)
    await record_swaps(page)

    problems = []
    samples = 0
    deadline = time.monotonic() + 30
    swaps: list[dict[str, Any]] = []
    while time.monotonic() < deadline and len(swaps) < 6:
        png = await page.screenshot(type="png")
        samples += 1
        problem = frame_problem(png)
        if problem:
            problems.append(problem)
        swaps = await page.evaluate("window.__swaps")
    assert problems == []
    assert samples >= 20
    shown = [swap["id"] for swap in swaps]
    assert shown[:5] == ["2", "4", "5", "6", "1"]
    # Media was ready when it appeared.
    for swap in swaps:
        if swap["img"] is not None:
            assert swap["img"] > 0, swap
        if swap["video"] is not None:
            assert swap["video"] >= 3, swap
    # Each item had its whole duration, counted from the moment it was visible.
    for before, after in zip(swaps, swaps[1:], strict=False):
        assert after["t"] - before["t"] >= 3000 - 60, (before, after)
    await context.close()


async def test_emergency_takes_the_screen_at_once_and_then_gives_it_back(
    browser: Browser, demo_server: DemoServer
) -> None:
    context, page = await new_player_page(browser, "720p")
    await page.clock.install()
    code = demo_server.tv_codes[0]
    normal = content(code, [aviso(1, duracao=60), noticia(2, duracao=60)])
    stub = StubServer(normal)
    await stub.install(page)
    await page.goto(f"{demo_server.base_url}/tv/{code}")
    await page.clock.run_for(3100)
    await wait_playing(page, 1)

    alarm = aviso(
        9,
        titulo="Vazamento de gás no Bloco A",
        duracao=30,
        mensagem="Saia pelas escadas. Não use os elevadores.",
    )
    stub.body = content(code, [alarm], modo="emergencia")
    await page.clock.run_for(70_000)  # the next poll
    await page.wait_for_selector(
        "#stage[data-modo=emergencia][data-id='9']", state="attached"
    )
    assert await page.locator(".layer.is-on .slide-emergencia").count() == 1
    assert await page.locator(".layer.is-on .tag").inner_text() == "EMERGÊNCIA"

    stub.body = normal
    await page.clock.run_for(70_000)
    await page.wait_for_selector("#stage[data-modo=normal]", state="attached")
    await page.clock.run_for(1000)
    assert await page.locator(".layer.is-on .slide-emergencia").count() == 0
    assert await page.locator("#stage").get_attribute("data-id") in {"1", "2"}
    await context.close()


async def tick(page: Page, seconds: int, step_ms: int = 1000) -> None:
    """Advance the page's fake clock a step at a time, letting real I/O finish."""
    for _ in range(seconds * 1000 // step_ms):
        await page.clock.run_for(step_ms)
        await asyncio.sleep(0.002)


async def test_server_errors_are_retried_with_backoff_not_hammered(
    browser: Browser, demo_server: DemoServer
) -> None:
    context, page = await new_player_page(browser, "720p")
    await page.clock.install()
    stub = StubServer(content(demo_server.tv_codes[0], [aviso(1)]), status=503)
    await stub.install(page)
    await page.goto(f"{demo_server.base_url}/tv/{demo_server.tv_codes[0]}")
    await tick(page, 600)
    # Ten minutes of 503s: retried (2 s, 4 s, 8 s ... up to 5 min, with jitter),
    # never every couple of seconds; pings never faster than their interval.
    assert 4 <= stub.content_requests <= 14
    assert 2 <= stub.ping_requests <= 600 // 30 + 1
    stub.status = 200
    await tick(page, 330)
    await wait_playing(page, 1)
    await context.close()


async def test_websocket_reconnects_with_growing_jittered_delays(
    browser: Browser, demo_server: DemoServer
) -> None:
    attempts: list[float] = []

    async def refuse(ws: WebSocketRoute) -> None:
        attempts.append(await ws_page_time(page))
        await ws.close(code=1011, reason="indisponível")

    context, page = await new_player_page(browser, "720p")
    await page.clock.install()
    stub = StubServer(content(demo_server.tv_codes[0], [aviso(1)]))
    await stub.install(page)
    await page.route_web_socket("**/app/tv/*/ws", refuse)
    await page.goto(f"{demo_server.base_url}/tv/{demo_server.tv_codes[0]}")
    await tick(page, 300)
    gaps = [b - a for a, b in zip(attempts, attempts[1:], strict=False)]
    assert 4 <= len(attempts) <= 14
    # Exponential: later gaps are longer than the first ones, and capped at a minute.
    assert max(gaps[-3:]) > 4 * min(gaps[:2])
    assert max(gaps) <= 61_000
    await context.close()


async def ws_page_time(page: Page) -> float:
    result: float = await page.evaluate("Date.now()")
    return result


METRICS = """async () => ({
    nodes: document.getElementsByTagName('*').length,
    timers: window.__timers ? Object.keys(window.__timers).length : -1,
})"""

COUNT_TIMERS = """() => {
    // Counts pending timeouts and intervals (wrapping the page's fake clock).
    const pending = {};
    window.__timers = pending;
    const setT = window.setTimeout, clearT = window.clearTimeout;
    const setI = window.setInterval, clearI = window.clearInterval;
    window.setTimeout = function (fn, ms) {
        const args = [].slice.call(arguments, 2);
        const id = setT(function () { delete pending[id]; fn.apply(null, args); }, ms);
        pending[id] = true;
        return id;
    };
    window.clearTimeout = function (id) { delete pending[id]; return clearT(id); };
    window.setInterval = function (fn, ms) {
        const id = setI(fn, ms); pending[id] = true; return id;
    };
    window.clearInterval = function (id) { delete pending[id]; return clearI(id); };
}"""


async def test_a_simulated_day_of_looping_grows_no_nodes_listeners_timers_or_memory(
    browser: Browser, demo_server: DemoServer, demo_media: list[dict[str, Any]]
) -> None:
    context, page = await new_player_page(browser, "720p")
    await page.clock.install()
    await page.add_init_script(f"({COUNT_TIMERS})()")

    async def socket(ws: WebSocketRoute) -> None:
        ws.send(json.dumps({"evento": "conectado", "versao": stub.body["versao"]}))

    pictures = [m for m in demo_media if m["tipo_midia"] == "imagem"]
    video = next(m for m in demo_media if m["tipo_midia"] == "video")
    minutes = 60
    items = [
        aviso(1, duracao=10 * minutes),
        anuncio(2, pictures[0], duracao=10 * minutes),
        aviso(3, mensagem=long_text(2000), duracao=10 * minutes),
        anuncio(4, video, duracao=10 * minutes),
        noticia(
            5,
            duracao=10 * minutes,
            archive_url=pictures[1]["archive_url"],
            tipo_midia="imagem",
        ),
        noticia(6, duracao=10 * minutes),
    ]
    stub = StubServer(content(demo_server.tv_codes[0], items))
    await stub.install(page)
    await page.route_web_socket("**/app/tv/*/ws", socket)
    await page.goto(f"{demo_server.base_url}/tv/{demo_server.tv_codes[0]}")
    await record_swaps(page)
    cdp = await context.new_cdp_session(page)
    await cdp.send("Performance.enable")

    async def measure() -> dict[str, float]:
        await cdp.send("HeapProfiler.collectGarbage")
        metrics = await cdp.send("Performance.getMetrics")
        values = {m["name"]: m["value"] for m in metrics["metrics"]}
        counted = await page.evaluate(METRICS)
        return {
            "nodes": counted["nodes"],
            "timers": counted["timers"],
            "listeners": values["JSEventListeners"],
            "heap": values["JSHeapUsedSize"],
        }

    async def shown() -> str | None:
        shown_id: str | None = await page.evaluate(
            "document.getElementById('stage').dataset.id"
        )
        return shown_id

    # One loop (an hour) to warm up, then the rest of the day.
    await tick(page, 3600, step_ms=60_000)
    before_id = await shown()
    before = await measure()
    await tick(page, 23 * 3600, step_ms=60_000)
    # Compare like with like: the same item on screen (on a busy machine real I/O,
    # such as the video's, can lag the fake clock and shift the slot a little).
    for _ in range(60):
        if await shown() == before_id:
            break
        await tick(page, 60, step_ms=60_000)
        await asyncio.sleep(0.05)
    assert await shown() == before_id
    after = await measure()
    swaps = await page.evaluate("window.__swaps.length")
    assert swaps >= 24 * 6 - 2  # every slot of the day was played
    assert before["timers"] >= 3  # the counter sees the player's timers
    assert after["nodes"] <= before["nodes"] + 10, (before, after)
    assert after["timers"] <= before["timers"] + 1, (before, after)
    assert after["listeners"] <= before["listeners"] + 5, (before, after)
    assert after["heap"] <= before["heap"] * 1.2 + 1_000_000, (before, after)
    await context.close()


async def test_media_that_hangs_is_skipped_after_a_wait_and_retried_next_loop(
    browser: Browser, demo_server: DemoServer
) -> None:
    context, page = await new_player_page(browser, "720p")
    await page.clock.install()
    hanging: list[Route] = []
    picture = io.BytesIO()
    Image.new("RGB", (640, 360), (200, 40, 40)).save(picture, "PNG")

    async def first_hangs(route: Route) -> None:
        if not hanging:
            hanging.append(route)  # no answer (yet): the load hangs
            return
        await route.fulfill(body=picture.getvalue(), content_type="image/png")

    await page.route("**/media/imagem/2026/01/01/lenta.png", first_hangs)
    slow = {
        "archive_url": "/media/imagem/2026/01/01/lenta.png",
        "tipo_midia": "imagem",
        "thumbnail_url": None,
    }
    code = demo_server.tv_codes[0]
    stub = StubServer(
        content(code, [aviso(1, duracao=5), anuncio(2, slow), aviso(3, duracao=5)])
    )
    await stub.install(page)
    await page.goto(f"{demo_server.base_url}/tv/{code}")
    await page.clock.run_for(3100)
    await wait_playing(page, 1)
    await record_swaps(page)

    async def shown_until(item_id: str, limit_s: int) -> list[str]:
        for _ in range(limit_s * 2):
            await tick(page, 1, step_ms=500)
            ids = [s["id"] for s in await page.evaluate("window.__swaps")]
            if item_id in ids:
                return ids
        return ids

    # Aviso 1 stays on screen while the anúncio is awaited, then aviso 3 comes.
    assert await shown_until("3", 30) == ["3"]
    assert hanging
    await hanging[0].fulfill(body=picture.getvalue(), content_type="image/png")
    # The next loop tries the anúncio again, and now it plays.
    assert await shown_until("2", 30) == ["3", "1", "2"]
    swaps = await page.evaluate("window.__swaps")
    assert swaps[2]["img"] == 640
    await context.close()
