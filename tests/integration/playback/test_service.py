"""PlaylistService against a database that cannot be opened (on every backend):
stale answers, the retry pause, slow builds, invalidation without the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from expotv.cache import MemoryCache
from expotv.context import context_of
from expotv.db import create_sessionmaker, utcnow
from expotv.playlist.exceptions import PlaylistUnavailable
from expotv.playlist.invalidation import PendingChanges, PlaylistInvalidator
from expotv.playlist.service import PlaylistService, record_ping
from expotv.tvs.heartbeat import HeartbeatWriter
from tests.integration.playback.conftest import Arrange


class Sessions:
    """The app's sessionmaker, or one whose database file cannot be opened, or
    one whose every statement raises ``failure`` (a driver's own exception)."""

    def __init__(self, working: Any, broken: Any) -> None:
        self.working, self.broken = working, broken
        self.is_broken = False
        self.failure: Exception | None = None
        self.opened = 0

    def __call__(self) -> AsyncSession:
        self.opened += 1
        maker = self.broken if self.is_broken else self.working
        session: AsyncSession = maker()
        if self.failure is not None:
            failure = self.failure

            async def execute(*_args: Any, **_kwargs: Any) -> Any:
                raise failure

            session.execute = execute  # type: ignore[method-assign]
        return session


@pytest.fixture
async def sessions(app: FastAPI, tmp_path: Path) -> AsyncIterator[Sessions]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'nao' / 'x.db'}")
    yield Sessions(context_of(app).sessionmaker, create_sessionmaker(engine))
    await engine.dispose()


@pytest.fixture
async def service(app: FastAPI, sessions: Sessions) -> AsyncIterator[PlaylistService]:
    playlists = PlaylistService(
        sessionmaker=sessions,  # type: ignore[arg-type]
        cache=MemoryCache(),
        settings=context_of(app).settings,
    )
    yield playlists
    await playlists.drain()
    await playlists.close()


async def test_known_tv_gets_its_last_playlist_marked_stale(
    service: PlaylistService, sessions: Sessions, arrange: Arrange, app: FastAPI
) -> None:
    condominium = await arrange.condominium()
    tv = await arrange.tv(condominium)
    await arrange.ad(condominium)
    fresh = await service.get(tv.code, client="t", now=utcnow())

    sessions.is_broken = True
    await service.invalidate([tv.code])
    stale = await service.get(tv.code, client="t", now=utcnow())
    heartbeats = HeartbeatWriter(context_of(app).sessionmaker, flush_seconds=60)
    pinged = await record_ping(service, heartbeats, tv.code, client="t", now=utcnow())

    assert stale.is_stale
    assert stale.entry.body == fresh.entry.body
    assert pinged.entry.version == fresh.entry.version
    assert heartbeats.pending == 1
    with pytest.raises(PlaylistUnavailable):
        await service.get("NOVA23", client="t", now=utcnow())


@pytest.mark.parametrize(
    "failure",
    [
        # asyncmy, when a balancer accepts the connection and closes it at once.
        RuntimeError("Transport does not expose socket instance"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError(),
    ],
    ids=["runtime-error", "reset", "timeout"],
)
async def test_any_failure_on_the_database_path_serves_the_copy(
    failure: Exception,
    service: PlaylistService,
    sessions: Sessions,
    arrange: Arrange,
    app: FastAPI,
) -> None:
    condominium = await arrange.condominium()
    tv = await arrange.tv(condominium)
    fresh = await service.get(tv.code, client="t", now=utcnow())
    await service.invalidate([tv.code])

    sessions.failure = failure
    stale = await service.get(tv.code, client="t", now=utcnow())
    heartbeats = HeartbeatWriter(context_of(app).sessionmaker, flush_seconds=60)
    service.breaker.reset()
    pinged = await record_ping(service, heartbeats, tv.code, client="t", now=utcnow())

    assert stale.is_stale
    assert stale.entry.body == fresh.entry.body
    assert pinged.is_stale
    assert heartbeats.pending == 1
    assert service.breaker.is_open
    with pytest.raises(PlaylistUnavailable):
        await service.get("NOVA23", client="t", now=utcnow())


async def test_after_a_failure_misses_skip_the_database_for_a_moment(
    service: PlaylistService, sessions: Sessions, arrange: Arrange
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    sessions.is_broken = True
    with pytest.raises(PlaylistUnavailable):
        await service.get(tv.code, client="t", now=utcnow())
    opened = sessions.opened
    with pytest.raises(PlaylistUnavailable):
        await service.get(tv.code, client="t", now=utcnow())
    assert sessions.opened == opened

    sessions.is_broken = False
    service.breaker.reset()  # the pause is over
    assert not (await service.get(tv.code, client="t", now=utcnow())).is_stale


async def test_slow_build_answers_from_the_copy_and_still_fills_the_cache(
    service: PlaylistService, arrange: Arrange, sessions: Sessions
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    service.build_timeout_seconds = 0
    with pytest.raises(PlaylistUnavailable):
        await service.get(tv.code, client="t", now=utcnow())
    await service.drain()
    opened = sessions.opened
    assert not (await service.get(tv.code, client="t", now=utcnow())).is_stale
    assert sessions.opened == opened


async def test_invalidation_without_the_database_outdates_every_local_copy(
    service: PlaylistService, sessions: Sessions, arrange: Arrange
) -> None:
    condominium = await arrange.condominium()
    tv = await arrange.tv(condominium)
    await service.get(tv.code, client="t", now=utcnow())

    sessions.is_broken = True
    invalidator = PlaylistInvalidator(sessions, service)  # type: ignore[arg-type]
    await invalidator.apply(PendingChanges(condominium_ids={condominium.id}))

    # The fresh entry is gone: the database is asked again (and, down, the copy
    # is served as stale).
    assert (await service.get(tv.code, client="t", now=utcnow())).is_stale
