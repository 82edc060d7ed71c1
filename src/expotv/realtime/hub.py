"""Real-time nudges to TVs: "your content changed, refetch".

    instance A: commit ─> PlaylistService.invalidate ─┬─> on_invalidated ─> Fanout
                                                      └─> rebuild watched TVs
                                                          ─> on_version_changed
                                                          ─> hub.publish_version
    Fanout ── pub/sub (Redis, or nothing with one instance) ──> instances B, C:
        PlaylistService.invalidate(local_only=True) ─> rebuild their watched TVs
        ─> on_version_changed ─> hub.publish_version ─> their sockets

Each instance only talks to its own sockets (``ConnectionHub``); what crosses
instances is the invalidation, so every instance also drops its local copies. After
a gap in pub/sub delivery (Redis restarted) each instance re-checks every watched TV,
so a nudge lost meanwhile still arrives. TVs poll too: a nudge is a shortcut.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Protocol

from expotv.cache import PubSub, create_pubsub, keys

log = logging.getLogger(__name__)

VersionObserver = Callable[[str, str], Awaitable[None]]
InvalidationObserver = Callable[[frozenset[str] | None], Awaitable[None]]


class PlaylistSource(Protocol):
    """What the realtime layer needs of the playback engine (``PlaylistService``)."""

    on_version_changed: list[VersionObserver]
    on_invalidated: list[InvalidationObserver]

    async def version(self, code: str, *, client: str, now: datetime) -> str | None: ...

    def watch(self, code: str) -> None: ...

    def unwatch(self, code: str) -> None: ...

    async def invalidate(
        self,
        codes: Iterable[str] = (),
        *,
        all_tvs: bool = False,
        clear_unknown: Iterable[str] = (),
        local_only: bool = False,
    ) -> None: ...


class Connection:
    """One socket's mailbox: only the latest version matters, so it never grows."""

    def __init__(self, code: str) -> None:
        self.code = code
        self._version: str | None = None
        self._ready = asyncio.Event()
        self.is_closed = False

    def push(self, version: str) -> None:
        self._version = version
        self._ready.set()

    def close(self) -> None:
        self.is_closed = True
        self._ready.set()

    async def next_version(self) -> str | None:
        """Wait for a new version (None once the hub closes)."""
        await self._ready.wait()
        self._ready.clear()
        return None if self.is_closed else self._version


class ConnectionHub:
    """The sockets connected to this process, by TV code."""

    def __init__(self) -> None:
        self._by_code: dict[str, set[Connection]] = {}

    def connect(self, code: str) -> Connection:
        connection = Connection(code)
        self._by_code.setdefault(code, set()).add(connection)
        return connection

    def disconnect(self, connection: Connection) -> None:
        peers = self._by_code.get(connection.code)
        if peers is None:
            return
        peers.discard(connection)
        if not peers:
            del self._by_code[connection.code]

    async def publish_version(self, code: str, version: str) -> None:
        """Tell this process's sockets of ``code`` its new versao."""
        for connection in list(self._by_code.get(code, ())):
            connection.push(version)

    def connections(self, code: str | None = None) -> int:
        if code is not None:
            return len(self._by_code.get(code, ()))
        return sum(len(peers) for peers in self._by_code.values())

    def close(self) -> None:
        for peers in self._by_code.values():
            for connection in peers:
                connection.close()
        self._by_code.clear()


class InvalidationFanout:
    """Carries each instance's playlist invalidations to the other instances."""

    def __init__(self, pubsub: PubSub, playlists: PlaylistSource) -> None:
        self._pubsub = pubsub
        self._playlists = playlists
        self._channel = keys.tv_content_channel()
        self._tasks: set[asyncio.Task[Any]] = set()
        pubsub.subscribe(self._channel, self._received)
        pubsub.on_resync(self._resync)
        playlists.on_invalidated.append(self.publish)

    async def publish(self, codes: frozenset[str] | None) -> None:
        body: dict[str, Any] = (
            {"all": True} if codes is None else {"codes": sorted(codes)}
        )
        await self._pubsub.publish(self._channel, json.dumps(body).encode(), echo=False)

    def _received(self, message: bytes) -> None:
        try:
            body = json.loads(message)
            all_tvs = body.get("all") is True
            codes = [str(code) for code in body.get("codes", ())]
        except (ValueError, AttributeError, TypeError):
            log.warning("mensagem de invalidação ilegível: %r", message[:200])
            return
        self._spawn(self._playlists.invalidate(codes, all_tvs=all_tvs, local_only=True))

    def _resync(self) -> None:
        self._spawn(self._playlists.invalidate(all_tvs=True, local_only=True))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error(
                "invalidação vinda de outra instância falhou: %r", task.exception()
            )

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        with contextlib.suppress(ValueError):
            self._playlists.on_invalidated.remove(self.publish)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


@asynccontextmanager
async def run_realtime(state: Any) -> AsyncIterator[ConnectionHub]:
    """The hub and the fan-out for the app's lifespan (``state`` = ``app.state``).

    Needs ``state.cache`` and ``state.playlists``; sets ``state.hub``,
    ``state.pubsub`` and ``state.fanout``.
    """
    playlists: PlaylistSource = state.playlists
    hub = ConnectionHub()
    pubsub = create_pubsub(state.cache)
    fanout = InvalidationFanout(pubsub, playlists)
    playlists.on_version_changed.append(hub.publish_version)
    state.hub, state.pubsub, state.fanout = hub, pubsub, fanout
    await pubsub.start()
    try:
        yield hub
    finally:
        with contextlib.suppress(ValueError):
            playlists.on_version_changed.remove(hub.publish_version)
        hub.close()
        await fanout.close()
        await pubsub.close()
