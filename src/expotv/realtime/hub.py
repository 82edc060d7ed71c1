"""Real-time nudges to TVs: "your content changed, refetch".

    instance A: commit ─> PlaylistService.invalidate ─┬─> InvalidationFanout
                                                      └─> rebuild watched TVs
                                                          ─> on_version_changed
                                                          ─> hub.publish_version
    InvalidationFanout ── pub/sub ──> instances B, C (``expotv.playlist.fanout``):
        PlaylistService.invalidate(local_only=True) ─> rebuild their watched TVs
        ─> on_version_changed ─> hub.publish_version ─> their sockets

Each instance only talks to its own sockets (``ConnectionHub``); what crosses
instances is the invalidation, so every instance also drops its local copies. TVs
poll too: a nudge is a shortcut.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

VersionObserver = Callable[[str, str], Awaitable[None]]


class PlaylistSource(Protocol):
    """What the WebSocket endpoint needs of the playback engine."""

    async def version(self, code: str, *, client: str, now: datetime) -> str | None: ...

    def watch(self, code: str) -> None: ...

    def unwatch(self, code: str) -> None: ...


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
