"""One build per TV code at a time: concurrent misses share it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    def __init__(self) -> None:
        self._inflight: dict[str, asyncio.Future[T]] = {}

    def run(self, key: str, start: Callable[[], Awaitable[T]]) -> asyncio.Future[T]:
        """The running call for ``key``, or ``start()`` as a new one."""
        future = self._inflight.get(key)
        if future is None:
            future = asyncio.ensure_future(start())
            self._inflight[key] = future

            def _done(done: asyncio.Future[T]) -> None:
                if self._inflight.get(key) is done:
                    del self._inflight[key]
                if not done.cancelled():
                    done.exception()  # retrieved: every waiter may have gone

            future.add_done_callback(_done)
        return future

    async def drain(self) -> None:
        while self._inflight:
            await asyncio.gather(*self._inflight.values(), return_exceptions=True)
