"""The database goes away: TVs keep playing and pinging; nothing is lost when it
returns. A dedicated app reaches MariaDB through a TCP proxy the test cuts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from expotv.context import context_of
from expotv.db import utcnow
from expotv.main import create_app
from expotv.tvs.models import TV
from tests.conftest import make_settings
from tests.integration.playback.conftest import Arrange, content
from tests.integration.playback.proxy import TcpProxy

pytestmark = pytest.mark.mariadb


@dataclass
class Outage:
    app: FastAPI
    client: httpx.AsyncClient
    proxy: TcpProxy


@pytest.fixture
async def outage(
    database_url: str, is_mariadb: bool, tmp_path: Path, clean: None
) -> AsyncIterator[Outage]:
    if not is_mariadb:
        pytest.skip("a TCP proxy can only stand in front of a database server")
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 3306)
    port = await proxy.start()
    settings = make_settings(
        tmp_path,
        database_url=url.set(port=port).render_as_string(hide_password=False),
        heartbeat_flush_seconds=0.05,
    )
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=30):
        context_of(app).playlists.breaker.retry_seconds = 0
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver"
        ) as client:
            try:
                yield Outage(app=app, client=client, proxy=proxy)
            finally:
                await proxy.restore()
    await proxy.close()


async def until(condition: object, *, seconds: float = 20) -> None:
    """Poll an async condition (bounded: fails instead of hanging)."""
    async with asyncio.timeout(seconds):
        while not await condition():  # type: ignore[operator]
            await asyncio.sleep(0.05)


async def test_tvs_keep_playing_and_pinging_while_the_database_is_down(
    outage: Outage, arrange: Arrange, app: FastAPI
) -> None:
    condominium = await arrange.condominium()
    tv = await arrange.tv(condominium)
    await arrange.ad(condominium)
    await arrange.news()
    client = outage.client
    fresh = await content(client, tv.code)
    assert fresh.status_code == 200
    assert "x-expotv-stale" not in fresh.headers

    await outage.proxy.cut()
    # A change elsewhere dropped the fresh entry: only the last-known copy is left.
    await context_of(outage.app).playlists.invalidate([tv.code])

    for _ in range(3):
        stale = await content(client, tv.code)
        assert stale.status_code == 200
        assert stale.headers["x-expotv-stale"] == "1"
        assert "stale" in stale.headers["warning"].lower()
        assert stale.content == fresh.content
        assert stale.headers["etag"] == fresh.headers["etag"]
    not_modified = await content(
        client, tv.code, headers={"If-None-Match": fresh.headers["etag"]}
    )
    assert not_modified.status_code == 304

    pinged_at = utcnow()
    ping = await client.post(f"/app/tv/{tv.code}/ping", json={"app_versao": "9.9"})
    assert ping.status_code == 200
    assert ping.json()["versao"] == fresh.json()["versao"]

    unknown = await content(client, "UNKNWN")
    assert unknown.status_code == 503
    assert int(unknown.headers["retry-after"]) >= 1

    heartbeats = context_of(outage.app).heartbeats
    with pytest.raises(SQLAlchemyError):
        await heartbeats.flush()
    assert heartbeats.pending == 1

    await outage.proxy.restore()

    async def ping_written() -> bool:
        async with context_of(app).sessionmaker() as session:
            stored = await session.get(TV, tv.id)
        assert stored is not None
        return stored.last_seen_at is not None

    await until(ping_written)
    async with context_of(app).sessionmaker() as session:
        stored = await session.get(TV, tv.id)
    assert stored is not None
    assert stored.app_version == "9.9"
    assert stored.last_seen_at is not None
    assert abs((stored.last_seen_at - pinged_at).total_seconds()) < 5

    back = await content(client, tv.code)
    assert back.status_code == 200
    assert "x-expotv-stale" not in back.headers
    assert back.json()["versao"] == fresh.json()["versao"]
