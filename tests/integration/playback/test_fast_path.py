"""The TV fast path (``expotv.playlist.fastpath``) answers as the FastAPI routes do.

Each request is made twice: as a TV makes it (the fast path answers) and with a
query string the routes ignore (the fast path leaves it to FastAPI). Status, body
and every header but the request id must be the same; the metrics too.
"""

from __future__ import annotations

import gzip
import json
from ipaddress import ip_network
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from expotv.deps import get_playlists
from expotv.tvs.models import TV
from tests import support
from tests.conftest import AppBuilder
from tests.integration.playback.conftest import Arrange

ADDRESS = "198.51.100.7"
SLOW = "?via=rota"


async def exchange(
    client: httpx.AsyncClient, method: str, url: str, **kw: Any
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case, no request id) and the body as sent (not
    decompressed)."""
    async with client.stream(method, url, **kw) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    headers = {k.lower(): v for k, v in response.headers.items()}
    assert headers.pop("x-request-id")
    return response.status_code, headers, raw


async def both(
    client: httpx.AsyncClient, method: str, url: str, **kw: Any
) -> tuple[tuple[int, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]:
    fast = await exchange(client, method, url, **kw)
    slow = await exchange(client, method, url + SLOW, **kw)
    return fast, slow


def requests_counted(route: str, method: str, status: int) -> float:
    labels = {"method": method, "route": route, "status": str(status)}
    return support.sample_value("expotv_http_requests_total", labels) or 0.0


@pytest.fixture
async def tv_app(build_app: AppBuilder) -> FastAPI:
    return await build_app(
        instance_name="paridade",
        tv_lookup_rate_per_minute=3,
        ping_max_per_code_per_minute=3,
    )


async def filled_tv(arrange: Arrange, items: int = 8) -> TV:
    home = await arrange.condominium()
    tv = await arrange.tv(home)
    for _ in range(items):
        await arrange.ad(home)
        await arrange.notice(home)
    return tv


@pytest.mark.parametrize(
    "headers",
    [
        {"Accept-Encoding": "identity"},
        {"Accept-Encoding": "gzip"},
        {"Accept-Encoding": "br, gzip;q=0"},
    ],
    ids=["identity", "gzip", "gzip-refused"],
)
async def test_content_200_and_304_match_the_route(
    tv_app: FastAPI, arrange: Arrange, headers: dict[str, str]
) -> None:
    tv = await filled_tv(arrange)
    url = f"/app/tv/{tv.code.lower()}/content"
    async with support.client_at(tv_app, ADDRESS) as client:
        fast, slow = await both(client, "GET", url, headers=headers)
        assert fast == slow
        status, sent, _ = fast
        assert status == 200
        assert sent["x-expotv-instance"] == "paridade"
        assert sent["content-security-policy"].startswith("default-src 'none'")
        assert sent["x-content-type-options"] == "nosniff"

        etag = sent["etag"]
        revalidate = {**headers, "If-None-Match": etag}
        fast, slow = await both(client, "GET", url, headers=revalidate)
        assert fast == slow
        assert fast[0] == 304
        assert fast[2] == b""
        assert fast[1]["etag"] == etag


async def test_errors_match_the_route_in_portuguese(
    tv_app: FastAPI, arrange: Arrange
) -> None:
    tv = await filled_tv(arrange, items=1)
    async with support.client_at(tv_app, ADDRESS) as client:
        fast, slow = await both(client, "GET", "/app/tv/ZZZZ99/content")
        assert fast == slow
        assert fast[0] == 404
        assert json.loads(fast[2]) == {
            "detail": "TV não encontrada",
            "code": "tv_not_found",
        }

        # Past the misses allowed (3 a minute) the address is blocked: 429 for a
        # code it does not play, on either path.
        await client.get("/app/tv/ZZZZ98/content")
        assert (await client.get("/app/tv/ZZZZ96/content")).status_code == 429
        fast, slow = await both(client, "GET", f"/app/tv/{tv.code}/content")
        assert fast[0] == slow[0] == 429
        assert fast[2] == slow[2]
        assert "muitas consultas" in fast[2].decode()
        assert int(fast[1].pop("retry-after")) >= 1
        assert int(slow[1].pop("retry-after")) >= 1
        assert fast[1] == slow[1]


async def test_ping_matches_the_route(tv_app: FastAPI, arrange: Arrange) -> None:
    tv = await filled_tv(arrange, items=1)
    url = f"/app/tv/{tv.code}/ping"
    body = {"versao": "x", "app_versao": "web-2", "resolucao": "1920x1080"}
    async with support.client_at(tv_app, ADDRESS) as client:
        fast, slow = await both(client, "POST", url, json=body)
        assert fast == slow
        assert fast[0] == 200
        assert fast[2].startswith(b'{"status":"online","versao":"')

        # A body the fast path does not take is the route's to refuse (422).
        fast, slow = await both(client, "POST", url, json={"resolucao": "9" * 99})
        assert fast == slow
        assert fast[0] == 422

        # Three pings a minute: the fourth is 429 on both paths.
        assert (await client.post(url)).status_code == 200
        fast, slow = await both(client, "POST", url)
        assert fast[0] == slow[0] == 429
        assert "pings demais" in fast[2].decode()


async def test_the_fast_path_counts_what_the_stack_counts(
    tv_app: FastAPI, arrange: Arrange
) -> None:
    tv = await filled_tv(arrange, items=1)
    route = "/app/tv/{codigo}/content"
    served = support.sample_value("expotv_content_served_total") or 0.0
    ok, missing = (
        requests_counted(route, "GET", 200),
        requests_counted(route, "GET", 404),
    )
    async with support.client_at(tv_app, ADDRESS) as client:
        assert (await client.get(f"/app/tv/{tv.code}/content")).status_code == 200
        assert (await client.get("/app/tv/ZZZZ97/content")).status_code == 404
    assert requests_counted(route, "GET", 200) == ok + 1
    assert requests_counted(route, "GET", 404) == missing + 1
    assert support.sample_value("expotv_content_served_total") == served + 1


async def test_tv_requests_do_not_reach_fastapi(
    tv_app: FastAPI, arrange: Arrange
) -> None:
    tv = await filled_tv(arrange, items=1)

    async def broken() -> None:
        raise RuntimeError("a rota do FastAPI não devia ter sido chamada")

    tv_app.dependency_overrides[get_playlists] = broken
    try:
        async with support.client_at(tv_app, ADDRESS) as client:
            assert (await client.get(f"/app/tv/{tv.code}/content")).status_code == 200
            assert (await client.post(f"/app/tv/{tv.code}/ping")).status_code == 200
            slow = await client.get(f"/app/tv/{tv.code}/content{SLOW}")
            assert slow.status_code == 500
    finally:
        tv_app.dependency_overrides.clear()


async def test_gzip_copy_is_made_once_per_playlist(
    tv_app: FastAPI, arrange: Arrange
) -> None:
    from expotv.playlist.store import Tail

    tv = await filled_tv(arrange)
    url = f"/app/tv/{tv.code}/content"
    async with support.client_at(tv_app, ADDRESS) as client:
        plain = await exchange(client, "GET", url, headers={"Accept-Encoding": ""})
        before = Tail.deflations
        first = await exchange(client, "GET", url, headers={"Accept-Encoding": "gzip"})
        again = await exchange(client, "GET", url, headers={"Accept-Encoding": "gzip"})
    assert Tail.deflations == before + 1
    assert first == again
    assert first[1]["content-encoding"] == "gzip"
    assert first[1]["vary"] == plain[1]["vary"] == "Accept-Encoding"
    assert first[1]["etag"] == plain[1]["etag"]
    assert gzip.decompress(first[2]) == plain[2]
    assert len(first[2]) < len(plain[2])
    assert int(first[1]["content-length"]) == len(first[2])


async def test_a_small_playlist_is_not_compressed(
    tv_app: FastAPI, arrange: Arrange
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    async with support.client_at(tv_app, ADDRESS) as client:
        status, headers, body = await exchange(
            client,
            "GET",
            f"/app/tv/{tv.code}/content",
            headers={"Accept-Encoding": "gzip"},
        )
    assert status == 200
    assert len(body) < 1024
    assert "content-encoding" not in headers
    assert "vary" not in headers


async def test_the_guard_counts_the_client_behind_a_trusted_proxy(
    build_app: AppBuilder, arrange: Arrange
) -> None:
    app = await build_app(
        trusted_proxies=[ip_network("10.0.0.0/8")], tv_lookup_rate_per_minute=2
    )
    tv = await filled_tv(arrange, items=1)
    url = f"/app/tv/{tv.code}/content"
    curious = {"X-Forwarded-For": "203.0.113.9"}
    lobby = {"X-Forwarded-For": "203.0.113.10"}
    async with support.client_at(app, "10.0.0.5") as proxy:
        for n in range(2):
            missing = await proxy.get(f"/app/tv/ZZZZ{n:02d}/content", headers=curious)
            assert missing.status_code == 404
        assert (
            await proxy.get("/app/tv/ZZZZ09/content", headers=curious)
        ).status_code == 429
        # The address behind the proxy is blocked, not the proxy.
        assert (await proxy.get(url, headers=curious)).status_code == 429
        assert (await proxy.get(url, headers=lobby)).status_code == 200


def test_the_fast_path_is_ahead_of_fastapis_own_layers(app: FastAPI) -> None:
    """The TVs' requests skip FastAPI's error page, telemetry and body-limit layers
    too (the fast path does that work itself): it is the stack's outermost layer."""
    from expotv.playlist.fastpath import TVFastPath

    stack = app.middleware_stack or app.build_middleware_stack()
    assert isinstance(stack, TVFastPath)
    assert type(stack.app).__name__ == "ServerErrorMiddleware"
