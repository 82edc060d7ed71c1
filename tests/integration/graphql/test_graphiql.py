"""GraphiQL: off unless configured (on by default only in development), and when on,
served whole by the app (a Chromium that can reach nothing but loopback runs a
query with the dashboard's cookie)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from asgi_lifespan import LifespanManager
from playwright.async_api import async_playwright

from expotv.config import Environment, Settings
from expotv.graphql.router import graphiql_assets
from expotv.main import create_app
from tests import support
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import make_settings

HTML = {"Accept": "text/html"}
MASTER = "graphiql@example.com"


def test_defaults_follow_the_environment(tmp_path: Path) -> None:
    development = make_settings(tmp_path, environment=Environment.DEVELOPMENT)
    production = make_settings(
        tmp_path, environment=Environment.PRODUCTION, jwt_secret="p" * 40
    )
    assert development.is_graphiql_on
    assert development.is_graphql_introspection_on
    assert not production.is_graphiql_on
    assert not production.is_graphql_introspection_on
    forced = make_settings(tmp_path, graphiql=True, graphql_introspection=True)
    assert forced.is_graphiql_on
    assert forced.is_graphql_introspection_on
    assert graphiql_assets() is not None


async def test_graphiql_is_off_in_tests(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers=HTML)
    assert response.status_code == 404
    assert response.json() == {"detail": "não encontrado", "code": "not_found"}


@pytest.fixture
async def graphiql_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        settings.model_copy(update={"graphiql": True, "graphql_introspection": True})
    )
    async with LifespanManager(app, startup_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver"
        ) as client:
            yield client


async def test_the_page_and_its_files_come_from_the_app(
    graphiql_client: httpx.AsyncClient,
) -> None:
    page = await graphiql_client.get("/graphql", headers=HTML)
    assert page.status_code == 200
    assert "https://" not in page.text
    for path in (
        "/graphql/static/vendor/graphiql.min.js",
        "/graphql/static/vendor/react.production.min.js",
        "/graphql/static/vendor/graphiql.min.css",
        "/graphql/static/graphiql.js",
    ):
        assert (await graphiql_client.get(path)).status_code == 200, path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = make_settings(
        Path(tmp_path_factory.mktemp("graphiql")),
        graphiql=True,
        graphql_introspection=True,
        master_email=MASTER,
        master_senha=support.PASSWORD,
    )
    support.migrate(settings)
    with support.live_server(settings) as live:
        yield live.base_url


@pytest.mark.browser
async def test_graphiql_runs_a_query_offline(server: str) -> None:
    blocked: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        context = await browser.new_context()

        async def only_loopback(route: object) -> None:
            request = route.request  # type: ignore[attr-defined]
            if urlsplit(request.url).hostname in {"127.0.0.1", "localhost"}:
                await route.continue_()  # type: ignore[attr-defined]
            else:
                blocked.append(request.url)
                await route.abort("internetdisconnected")  # type: ignore[attr-defined]

        await context.route("**/*", only_loopback)
        try:
            page = await context.new_page()
            await page.goto(f"{server}/login")
            await page.fill("input[name=email]", MASTER)
            await page.fill("input[name=senha]", support.PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url("**/painel**")
            await page.goto(f"{server}/graphql")
            await page.locator(".graphiql-container").wait_for(timeout=20_000)
            await page.locator(".graphiql-execute-button").click()
            result = page.locator(".result-window")
            await result.get_by_text('"Master"').wait_for(timeout=20_000)
        finally:
            await context.close()
            await browser.close()
    assert blocked == []
