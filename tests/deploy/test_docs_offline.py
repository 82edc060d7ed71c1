"""/docs and /redoc render in a Chromium that can reach nothing but loopback: their
Swagger UI and ReDoc assets come from an installed package, not a CDN."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import BrowserContext, Route, async_playwright

from tests import support
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import make_settings

pytestmark = pytest.mark.browser

LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
# ReDoc's sidebar footer shows Redocly's logo from their CDN: an image, cosmetic, and
# the only remote request either page makes. Code, styles and fonts must all be local.
COSMETIC = {"image"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = make_settings(Path(tmp_path_factory.mktemp("docs")))
    support.migrate(settings)
    with support.live_server(settings) as live:
        yield live.base_url


@pytest.fixture
async def offline_context() -> AsyncIterator[tuple[BrowserContext, list[str]]]:
    """A browser context whose every request off loopback is aborted; the ones that
    would have mattered (anything but an image) are recorded."""
    blocked: list[str] = []

    async def only_loopback(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOOPBACK or url.startswith("data:"):
            await route.continue_()
        else:
            if route.request.resource_type not in COSMETIC:
                blocked.append(url)
            await route.abort("internetdisconnected")

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        context = await browser.new_context()
        await context.route("**/*", only_loopback)
        try:
            yield context, blocked
        finally:
            await context.close()
            await browser.close()


async def test_swagger_ui_renders_operations_offline(
    server: str, offline_context: tuple[BrowserContext, list[str]]
) -> None:
    context, blocked = offline_context
    page = await context.new_page()

    await page.goto(f"{server}/docs")

    operations = page.locator(".opblock")
    await operations.first.wait_for(timeout=20_000)
    assert await operations.count() > 20
    assert await page.locator(".opblock-summary-path", has_text="/auth/login").count()
    assert blocked == []


async def test_redoc_renders_offline(
    server: str, offline_context: tuple[BrowserContext, list[str]]
) -> None:
    context, blocked = offline_context
    page = await context.new_page()

    await page.goto(f"{server}/redoc")

    # ReDoc draws the API title and one menu entry per operation once it has the spec.
    await page.get_by_role("heading", name="EXPO TV").first.wait_for(timeout=30_000)
    assert await page.locator("[role=menuitem]").count() > 20
    assert blocked == []


async def test_docs_assets_come_from_the_app(server: str) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=server) as client:
        docs = (await client.get("/docs")).text
        redoc = (await client.get("/redoc")).text
        script = await client.get("/docs-static/redoc.standalone.js")

    assert "/docs-static/swagger-ui-bundle.js" in docs
    assert "cdn.jsdelivr.net" not in docs + redoc
    assert "/docs-static/redoc.standalone.js" in redoc
    assert script.status_code == 200
