"""POST /app/tv/{codigo}/ping, the batched heartbeat writer and the offline monitor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from expotv.context import context_of
from expotv.db import create_sessionmaker, utcnow
from expotv.observability.metrics import TVS_OFFLINE, TVS_ONLINE
from expotv.tvs.heartbeat import Beat, HeartbeatWriter
from expotv.tvs.jobs import refresh_gauges
from expotv.tvs.models import TV
from tests.integration.playback.conftest import Arrange, StatementLog, version_of


@asynccontextmanager
async def paused_flusher(app: FastAPI) -> AsyncIterator[HeartbeatWriter]:
    """The app's heartbeat writer without its periodic flush (flushed by hand)."""
    heartbeats: HeartbeatWriter = context_of(app).heartbeats
    await heartbeats.stop()
    try:
        yield heartbeats
    finally:
        heartbeats.start()


async def load_tv(app: FastAPI, tv_id: int) -> TV:
    async with context_of(app).sessionmaker() as session:
        tv = await session.get(TV, tv_id)
        assert tv is not None
        return tv


async def test_ping_answers_online_with_the_content_version(
    client: httpx.AsyncClient, arrange: Arrange, app: FastAPI
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    await arrange.news()

    response = await client.post(f"/app/tv/{tv.code.lower()}/ping")

    assert response.status_code == 200
    assert response.json() == {
        "status": "online",
        "versao": await version_of(client, tv.code),
        "intervalo_ping": context_of(app).settings.tv_ping_interval_seconds,
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"json": {}},
        {"json": None},
        {"content": b"", "headers": {"Content-Type": "application/json"}},
        {"json": {"versao": "abc", "app_versao": "2.1.0", "resolucao": "1920x1080"}},
        {"json": {"versao": None, "extra": 1}},
    ],
)
async def test_ping_body_is_optional(
    client: httpx.AsyncClient, arrange: Arrange, kwargs: dict[str, Any]
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    response = await client.post(f"/app/tv/{tv.code}/ping", **kwargs)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "body",
    [
        {"versao": 123},
        {"app_versao": ["1"]},
        {"resolucao": {"w": 1920}},
        {"app_versao": "x" * 65},
        ["versao"],
        "texto",
    ],
)
async def test_ping_with_bad_types_is_422(
    client: httpx.AsyncClient, arrange: Arrange, body: Any
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    response = await client.post(f"/app/tv/{tv.code}/ping", json=body)
    assert response.status_code == 422


async def test_ping_of_an_unknown_code_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/app/tv/ABCDEF/ping")
    assert response.status_code == 404
    assert response.json()["code"] == "tv_not_found"


async def test_pings_are_written_in_batches_not_one_update_each(
    client: httpx.AsyncClient,
    arrange: Arrange,
    app: FastAPI,
    statements: StatementLog,
    admin_headers: dict[str, str],
) -> None:
    condominium = await arrange.condominium()
    tvs = [await arrange.tv(condominium) for _ in range(20)]
    started = utcnow()
    async with paused_flusher(app) as heartbeats:
        statements.clear()
        for round_ in range(3):
            for tv in tvs:
                response = await client.post(
                    f"/app/tv/{tv.code}/ping",
                    json={"app_versao": f"1.{round_}", "resolucao": "1920x1080"},
                )
                assert response.status_code == 200
        assert statements.updates() == []
        assert heartbeats.pending == len(tvs)

        assert await heartbeats.flush() == len(tvs)

    assert len(statements.updates()) == 1
    for tv in tvs:
        stored = await load_tv(app, tv.id)
        assert stored.last_seen_at is not None
        assert stored.last_seen_at >= started - timedelta(seconds=1)
        assert stored.app_version == "1.2"
        assert stored.resolution == "1920x1080"
        # A heartbeat is not an edit.
        assert stored.updated_at == tv.updated_at
    response = await client.get(f"/tvs/{tvs[0].id}/status", headers=admin_headers)
    assert response.status_code == 200
    assert response.json()["status"] == "online"
    assert response.json()["segundos_desde_ultimo_ping"] <= 5


async def test_one_statement_per_chunk_for_many_tvs(
    app: FastAPI, arrange: Arrange, statements: StatementLog
) -> None:
    condominium = await arrange.condominium()
    tvs = [await arrange.tv(condominium) for _ in range(25)]
    writer = HeartbeatWriter(
        context_of(app).sessionmaker, flush_seconds=60, chunk_size=10
    )
    now = utcnow()
    for n in range(4):
        for tv in tvs:
            await writer.record(tv.id, Beat(now + timedelta(seconds=n)))

    statements.clear()
    assert await writer.flush() == 25
    assert len(statements.updates()) == 3  # ceil(25 / 10)
    assert (await load_tv(app, tvs[-1].id)).last_seen_at == now + timedelta(seconds=3)
    assert await writer.flush() == 0


class Switchable:
    """A sessionmaker that can be pointed at an unreachable database and back."""

    def __init__(self, working: async_sessionmaker[AsyncSession], broken: Any) -> None:
        self.working, self.broken, self.is_broken = working, broken, True

    def __call__(self) -> AsyncSession:
        return (self.broken if self.is_broken else self.working)()


async def test_failed_flush_keeps_the_pings_for_the_next_one(
    app: FastAPI, arrange: Arrange, tmp_path: Any
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    missing = tmp_path / "nao-existe" / "expotv.db"
    engine = create_async_engine(f"sqlite+aiosqlite:///{missing}")
    sessions = Switchable(context_of(app).sessionmaker, create_sessionmaker(engine))
    writer = HeartbeatWriter(sessions, flush_seconds=60)  # type: ignore[arg-type]
    seen = utcnow()
    await writer.record(tv.id, Beat(seen, app_version="3.0"))
    try:
        with pytest.raises(Exception, match="unable to open database"):
            await writer.flush()
        assert writer.pending == 1
        await writer.record(tv.id, Beat(seen + timedelta(seconds=30)))

        sessions.is_broken = False
        assert await writer.flush() == 1
    finally:
        await engine.dispose()
    stored = await load_tv(app, tv.id)
    assert stored.last_seen_at == seen + timedelta(seconds=30)
    assert stored.app_version == "3.0"


async def test_stopping_the_writer_flushes_what_is_left(
    app: FastAPI, arrange: Arrange
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    writer = HeartbeatWriter(context_of(app).sessionmaker, flush_seconds=3600)
    writer.start()
    seen_at = utcnow()
    await writer.record(tv.id, Beat(seen_at))
    await writer.stop()
    assert (await load_tv(app, tv.id)).last_seen_at == seen_at


async def test_monitor_counts_by_the_online_rule_and_sets_the_gauges(
    app: FastAPI, arrange: Arrange
) -> None:
    condominium = await arrange.condominium()
    now = utcnow()
    settings = context_of(app).settings
    silent_for = timedelta(seconds=settings.tv_offline_after_seconds + 1)
    await arrange.tv(condominium, last_seen_at=now - timedelta(seconds=5))
    silent = await arrange.tv(condominium, last_seen_at=now - silent_for)
    await arrange.tv(condominium)  # never pinged
    # Pinged, not written yet: online too.
    pending = await arrange.tv(condominium, last_seen_at=now - silent_for)
    heartbeats = context_of(app).heartbeats
    assert heartbeats is not None
    await heartbeats.record(pending.id, Beat(now))

    counts = await refresh_gauges(
        context_of(app).sessionmaker, context_of(app).presence, now=now
    )

    assert counts == {"online": 2, "offline": 2}
    assert TVS_ONLINE._value.get() == 2
    assert TVS_OFFLINE._value.get() == 2
    assert (await load_tv(app, silent.id)).updated_at == silent.updated_at
