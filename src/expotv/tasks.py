"""Background asyncio tasks: how one is stopped, and one that repeats.

cancel_and_wait(task)          cancel and wait until it has unwound
Periodic(action, seconds, ...) ``action`` every ``seconds`` in a task of its
                               own (``start``/``stop``); a failure is logged
                               and the next round tries again
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel ``task`` (if any) and wait until it has finished unwinding."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class Periodic:
    def __init__(
        self,
        action: Callable[[], Awaitable[Any]],
        seconds: float,
        *,
        failed: Callable[[Exception], None],
    ) -> None:
        self._action = action
        self._seconds = seconds
        self._failed = failed
        self._task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._seconds)
            try:
                await self._action()
            except Exception as exc:  # the next round tries again
                self._failed(exc)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None


def log_failure(logger: logging.Logger, what: str) -> Callable[[Exception], None]:
    """A ``Periodic``'s ``failed``: a warning naming ``what`` failed."""

    def failed(exc: Exception) -> None:
        logger.warning("%s falhou: %r", what, exc)

    return failed
