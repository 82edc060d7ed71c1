"""Security headers per surface, and the /metrics token."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from expotv.config import Settings
from expotv.main import create_app

API = "default-src 'none'; frame-ancestors 'none'"


@pytest.fixture
async def tuned(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a CDN for media, a kiosk allowed to frame the player and a
    metrics token."""
    app = create_app(
        settings.model_copy(
            update={
                "public_media_url": "https://cdn.example.com/expotv/",
                "player_frame_ancestors": "'self' https://quiosque.example.com",
                "metrics_token": SecretStr("token-das-metricas"),
            }
        )
    )
    async with LifespanManager(app, startup_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


def directives(response: httpx.Response) -> dict[str, str]:
    [policy] = response.headers.get_list("content-security-policy")
    found = {}
    for directive in policy.split(";"):
        name, _, value = directive.strip().partition(" ")
        found[name] = value
    return found


def assert_common(response: httpx.Response) -> None:
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert response.headers.get_list("referrer-policy") == ["no-referrer"]


async def test_api_answers_forbid_everything_and_framing(
    client: httpx.AsyncClient,
) -> None:
    for response in (
        await client.get("/auth/me"),
        await client.get("/nada"),
        await client.post("/condominios", content=b"x"),
        await client.get("/health/live"),
        await client.get("/openapi.json"),
    ):
        assert response.headers["content-security-policy"] == API, response.url
        assert_common(response)


async def test_player_is_self_only_and_framed_as_configured(
    client: httpx.AsyncClient, tuned: httpx.AsyncClient
) -> None:
    default = await client.get("/tv/ZZZZZZ")
    assert_common(default)
    policy = directives(default)
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert "'unsafe-inline'" not in policy["script-src"]

    page = await tuned.get("/tv/ZZZZZZ")
    policy = directives(page)
    assert policy["frame-ancestors"] == "'self' https://quiosque.example.com"
    assert "https://cdn.example.com" in policy["media-src"].split()
    assert "https://cdn.example.com" in policy["img-src"].split()


async def test_dashboard_pages_are_own_origin_only_and_never_framed(
    client: httpx.AsyncClient,
) -> None:
    policy = directives(await client.get("/login"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_docs_allow_their_own_scripts_only(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    policy = directives(response)
    scripts = re.findall(
        r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", response.text, re.S
    )
    hashes = {
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in scripts
    }
    assert set(policy["script-src"].split()) == {"'self'", *hashes}
    assert policy["frame-ancestors"] == "'none'"
    assert_common(response)


async def test_metrics_ask_for_the_token_when_one_is_set(
    client: httpx.AsyncClient, tuned: httpx.AsyncClient
) -> None:
    assert (await client.get("/metrics")).status_code == 200
    for headers in ({}, {"Authorization": "Bearer errado"}, {"Authorization": "x"}):
        refused = await tuned.get("/metrics", headers=headers)
        assert refused.status_code == 401
        assert refused.json()["code"] == "metrics_token_required"
        assert refused.headers["www-authenticate"] == "Bearer"
    allowed = await tuned.get(
        "/metrics", headers={"Authorization": "Bearer token-das-metricas"}
    )
    assert allowed.status_code == 200
    assert "expotv_http_requests_total" in allowed.text
