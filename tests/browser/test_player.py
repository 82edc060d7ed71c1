"""The TV player page in a real Chromium, against a real server with demo data."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, Route, expect

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


@contextlib.asynccontextmanager
async def admin_client(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url) as client:
        login = await client.post(
            "/auth/login", json={"email": "admin@expotv.local", "senha": "expotv-demo"}
        )
        assert login.status_code == 200, login.text
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield client


async def test_preview_plays_the_loop_without_counting_as_the_tv(
    browser: Browser, demo_server: DemoServer
) -> None:
    async with admin_client(demo_server.base_url) as api:
        condominio = (await api.get("/condominios")).json()["items"][0]
        created = await api.post(
            "/tvs", json={"nome": "Prévia", "condominio_id": condominio["id"]}
        )
        assert created.status_code == 201, created.text
        tv = created.json()
        context = await browser.new_context()
        page = await context.new_page()
        pings: list[str] = []
        sockets: list[str] = []
        page.on(
            "request",
            lambda request: (
                pings.append(request.url) if "/ping" in request.url else None
            ),
        )
        page.on("websocket", lambda ws: sockets.append(ws.url))
        await page.goto(f"{demo_server.base_url}/tv/{tv['codigo']}?preview=1")
        await expect(page.locator("#stage")).to_have_attribute(
            "data-state", "tocando", timeout=10_000
        )
        await page.wait_for_timeout(1500)  # a real TV pings at once
        assert pings == []
        assert sockets
        assert all("preview=1" in url for url in sockets)
        assert (
            await page.evaluate(
                "navigator.serviceWorker.getRegistrations().then((r) => r.length)"
            )
            == 0
        )
        assert await page.evaluate("localStorage.length") == 0
        status = (await api.get(f"/tvs/{tv['id']}/status")).json()
        assert status["status"] == "offline"
        assert status["ultimo_ping"] is None

        # The same page without ?preview=1 is the TV: it pings, the TV is online.
        await page.goto(f"{demo_server.base_url}/tv/{tv['codigo']}")
        await expect(page.locator("#stage")).to_have_attribute(
            "data-state", "tocando", timeout=10_000
        )
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            status = (await api.get(f"/tvs/{tv['id']}/status")).json()
            if (
                status["status"] == "online"
                or asyncio.get_running_loop().time() > deadline
            ):
                break
            await asyncio.sleep(0.3)
        assert pings
        assert status["status"] == "online"
        await context.close()
        await api.delete(f"/tvs/{tv['id']}")


async def test_player_page_uses_relative_urls_and_no_inline_script(
    demo_server: DemoServer,
) -> None:
    code = demo_server.tv_codes[0]
    async with httpx.AsyncClient(base_url=demo_server.base_url) as client:
        page = await client.get(f"/tv/{code}", headers={"Host": "evil.example"})
        worker = await client.get("/tv/sw.js")
        missing = await client.get("/tv/ZZZZZZ", headers={"Host": "evil.example"})
    assert page.status_code == 200
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    for response in (page, missing):
        html = response.text
        assert "evil.example" not in html
        assert "style=" not in html
        assert "<style" not in html
        for url in re.findall(r'(?:src|href)="([^"]*)"', html):
            assert not re.match(r"^(?:[a-z]+:|//|/)", url), url
        for script in re.findall(r"<script([^>]*)>", html):
            assert "src=" in script or 'type="application/json"' in script, script
    config = json.loads(
        re.search(
            r'<script type="application/json" id="expotv-config">(.*?)</script>',
            page.text,
            re.S,
        ).group(1)  # type: ignore[union-attr]
    )
    assert config["codigo"] == code
    assert config["preview"] is False
    assert config["conteudo"] == f"../app/tv/{code}/content"


STRICT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; font-src 'self'; connect-src 'self'; worker-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


async def test_player_runs_under_a_strict_content_security_policy(
    browser: Browser, demo_server: DemoServer
) -> None:
    context = await browser.new_context(service_workers="block")
    page = await context.new_page()

    async def with_csp(route: Route) -> None:
        response = await route.fetch()
        headers = dict(response.headers)
        headers["content-security-policy"] = STRICT_CSP
        await route.fulfill(response=response, headers=headers)

    await page.route("**/tv/*", with_csp)
    await page.add_init_script(
        """window.__violations = [];
        document.addEventListener('securitypolicyviolation',
            (e) => window.__violations.push(e.violatedDirective));"""
    )
    await page.goto(f"{demo_server.base_url}/tv/{demo_server.tv_codes[0]}")
    await expect(page.locator("#stage")).to_have_attribute(
        "data-state", "tocando", timeout=10_000
    )
    await expect(page.locator(".layer.is-on .title")).to_be_visible()
    assert await page.evaluate("window.__violations") == []
    await context.close()
