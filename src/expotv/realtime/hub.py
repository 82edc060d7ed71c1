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

The hub also caps the sockets it holds per TV code and per client address
(``EXPOTV_WS_MAX_PER_CODE``, ``EXPOTV_WS_MAX_PER_ADDRESS``). The caps are per
instance, on purpose: what a socket flood exhausts is one process's memory and file
descriptors, which a per-instance count protects exactly, with no shared counter
that a crashed instance would leave wrong. A balancer spreading sockets over N
instances lets N times the cap in overall, which a TV (one socket) never needs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

VersionObserver = Callable[[str, str], Awaitable[None]]


class PlaylistSource(Protocol):
    """What the WebSocket endpoint needs of the playback engine."""

    async def version(self, code: str, *, client: str, now: datetime) -> str | None: ...

    def watch(self, code: str) -> None: ...

    def unwatch(self, code: str) -> None: ...


class HubFull(Exception):
    """A cap on sockets is reached; ``reason`` says which (a stable code)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Connection(Protocol):
    """One socket as the hub sees it (``realtime.socket.TVSocket``)."""

    @property
    def code(self) -> str: ...

    @property
    def address(self) -> str: ...

    def push(self, version: str) -> None:
        """Tell the socket its TV's new versao (it sends only the newest)."""

    def close(self) -> None:
        """The server is stopping."""


class ConnectionHub:
    """The sockets connected to this process, by TV code."""

    def __init__(self, *, max_per_code: int = 0, max_per_address: int = 0) -> None:
        # A cap of 0 or less is no cap.
        self.max_per_code = max_per_code
        self.max_per_address = max_per_address
        self._by_code: dict[str, set[Connection]] = {}
        self._by_address: Counter[str] = Counter()

    def connect(self, connection: Connection) -> None:
        """Register a socket (its TV code and client address); ``HubFull`` past a
        cap."""
        code, address = connection.code, connection.address
        if 0 < self.max_per_code <= len(self._by_code.get(code, ())):
            raise HubFull("ws_code_full")
        if 0 < self.max_per_address <= self._by_address[address]:
            raise HubFull("ws_address_full")
        self._by_code.setdefault(code, set()).add(connection)
        self._by_address[address] += 1

    def disconnect(self, connection: Connection) -> None:
        peers = self._by_code.get(connection.code)
        if peers is None or connection not in peers:
            return
        peers.discard(connection)
        if not peers:
            del self._by_code[connection.code]
        self._by_address[connection.address] -= 1
        if self._by_address[connection.address] <= 0:
            del self._by_address[connection.address]

    async def publish_version(self, code: str, version: str) -> None:
        """Tell this process's sockets of ``code`` its new versao."""
        for connection in list(self._by_code.get(code, ())):
            connection.push(version)

    def connections(self, code: str | None = None) -> int:
        if code is not None:
            return len(self._by_code.get(code, ()))
        return sum(len(peers) for peers in self._by_code.values())

    def connections_from(self, address: str) -> int:
        return self._by_address[address]

    def close(self) -> None:
        for peers in self._by_code.values():
            for connection in peers:
                connection.close()
        self._by_code.clear()
        self._by_address.clear()
