"""Carries each instance's playlist invalidations to the other instances.

Every process announces the TVs whose playlists it invalidated (an API instance
after a request, ``expotv scheduler`` after a job, ``expotv worker`` after a
conversion); the instances serving TVs also listen, drop their local copies and
rebuild their watched TVs, which nudges the sockets. After a gap in pub/sub
delivery (Redis restarted) a listening instance re-checks every watched TV, so a
nudge lost meanwhile still arrives. While it listens, the playlists may answer a
hit from this process's copy without asking Redis (``PlaylistCache.trusted``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from expotv.cache import PubSub, keys
from expotv.playlist.invalidation import Invalidates

log = logging.getLogger(__name__)

InvalidationObserver = Callable[[frozenset[str] | None], Awaitable[None]]


class Invalidated(Invalidates, Protocol):
    """What the fan-out needs of the playback engine (``PlaylistService``)."""

    on_invalidated: list[InvalidationObserver]

    def trust_while(self, up_since: Callable[[float], float | None]) -> None: ...


class InvalidationFanout:
    """Announces this process's invalidations; applies the others' when listening.

    ``listen=False`` (scheduler, worker): publish only; such a process keeps no
    sockets and serves no TV, so other instances' changes are nothing to it.
    """

    def __init__(
        self, pubsub: PubSub, playlists: Invalidated, *, listen: bool = True
    ) -> None:
        self._pubsub = pubsub
        self._playlists = playlists
        self._channel = keys.tv_content_channel()
        self._tasks: set[asyncio.Task[Any]] = set()
        if listen:
            pubsub.subscribe(self._channel, self._received)
            pubsub.on_resync(self._resync)
            playlists.trust_while(pubsub.up_since)
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
