"""Concurrent loads (or writes) of single keys, answered by one load of many.

After a change that concerns every TV (a notícia), thousands of TVs ask for their
new playlist within seconds. Each asks for its own code, but asked one by one the
database would answer thousands of one-row queries; ``Batcher`` gathers the keys
requested within ``window_seconds`` of the first (a few milliseconds: requests
that went through a Redis round trip first arrive a few loop turns apart) and loads
them together (at most ``max_batch`` per query). With ``window_seconds=0`` it
gathers what was asked in the same loop turn: ``RedisCache`` sends the writes of
concurrent requests in one pipeline that way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

LoadMany = Callable[[Sequence[K]], Awaitable[Mapping[K, V]]]


def fail_all(futures: Iterable[asyncio.Future[Any]], exc: BaseException) -> None:
    """Answer every pending future with ``exc`` (a cancellation cancels them)."""
    for future in futures:
        if future.done():
            continue
        if isinstance(exc, asyncio.CancelledError):
            future.cancel()
        else:
            future.set_exception(exc)
            # Retrieved here: every waiter may have gone.
            future.exception()


class Batcher(Generic[K, V]):
    def __init__(
        self,
        load_many: LoadMany[K, V],
        *,
        max_batch: int = 500,
        window_seconds: float = 0.005,
    ) -> None:
        self._load_many = load_many
        self._max_batch = max_batch
        self._window_seconds = window_seconds
        self._pending: dict[K, asyncio.Future[V | None]] = {}
        self._scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def get(self, key: K) -> V | None:
        """``key``'s value (None when the load does not return it)."""
        future = self._pending.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = self._pending[key] = loop.create_future()
            if not self._scheduled:
                self._scheduled = True
                loop.call_later(self._window_seconds, self._flush)
        # A waiter giving up (a timeout) must not cancel the others' answer.
        return await asyncio.shield(future)

    def _flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, {}
        keys = list(pending)
        for start in range(0, len(keys), self._max_batch):
            chunk = {key: pending[key] for key in keys[start : start + self._max_batch]}
            task = asyncio.get_running_loop().create_task(self._load(chunk))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _load(self, futures: dict[K, asyncio.Future[V | None]]) -> None:
        try:
            found = await self._load_many(list(futures))
        except BaseException as exc:
            fail_all(futures.values(), exc)
            if isinstance(exc, Exception):
                return
            raise
        for key, future in futures.items():
            if not future.done():
                future.set_result(found.get(key))

    async def drain(self) -> None:
        """Wait for the loads under way (tests, shutdown)."""
        while self._tasks or self._pending:
            await asyncio.sleep(0)
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
