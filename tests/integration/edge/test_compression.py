"""gzip for JSON answers (``JsonGzip``): asked for and large enough, or untouched."""

from __future__ import annotations

import gzip
import json

import httpx

from expotv.users.models import Role
from tests import support


async def raw(
    client: httpx.AsyncClient, url: str, **kw: object
) -> tuple[httpx.Response, bytes]:
    async with client.stream("GET", url, **kw) as response:  # type: ignore[arg-type]
        body = b"".join([chunk async for chunk in response.aiter_raw()])
    return response, body


async def test_a_json_list_is_gzipped_when_asked(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    master = await factory.user(Role.ADMIN)
    for _ in range(30):
        await factory.user(Role.VIEWER)
    headers = await factory.headers(master)

    plain, plain_body = await raw(
        client, "/usuarios?limit=50", headers={**headers, "Accept-Encoding": "identity"}
    )
    zipped, zipped_body = await raw(
        client, "/usuarios?limit=50", headers={**headers, "Accept-Encoding": "gzip"}
    )

    assert plain.status_code == zipped.status_code == 200
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert int(zipped.headers["content-length"]) == len(zipped_body)
    assert len(zipped_body) < len(plain_body)
    assert json.loads(gzip.decompress(zipped_body)) == json.loads(plain_body)
    assert len(json.loads(plain_body)["items"]) > 30


async def test_small_and_non_json_answers_are_not_compressed(
    client: httpx.AsyncClient,
) -> None:
    small, body = await raw(client, "/health/live", headers={"Accept-Encoding": "gzip"})
    assert small.status_code == 200
    assert len(body) < 1024
    assert "content-encoding" not in small.headers

    # HTML (its CSP is derived from the plain page) is left alone.
    page, _ = await raw(client, "/docs", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200
    assert "content-encoding" not in page.headers
