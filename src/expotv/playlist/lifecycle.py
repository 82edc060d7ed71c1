"""Start and stop what TV playback keeps in the process (inside ``lifespan``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from expotv.config import Settings
from expotv.playlist.service import PlaylistService
from expotv.tvs.heartbeat import HeartbeatWriter


@asynccontextmanager
async def playback(state: Any, settings: Settings) -> AsyncIterator[None]:
    """``state.playlists`` and ``state.heartbeats`` (flushed periodically and once
    more on shutdown). Needs ``state.sessionmaker`` and ``state.cache``."""
    playlists = PlaylistService(
        sessionmaker=state.sessionmaker, cache=state.cache, settings=settings
    )
    heartbeats = HeartbeatWriter(
        state.sessionmaker, flush_seconds=settings.heartbeat_flush_seconds
    )
    state.playlists = playlists
    state.heartbeats = heartbeats
    heartbeats.start()
    try:
        yield
    finally:
        await heartbeats.stop()
        await playlists.close()
