"""Dependency checks for readiness and the ``expotv_dependency_up`` gauge.

Each check is one cheap round trip (``SELECT 1``, the cache's and the storage's own
``check()``), all run together and each cut off after ``timeout`` seconds, so a hung
dependency fails the probe instead of hanging it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from expotv.cache.base import Cache
from expotv.observability.metrics import DEPENDENCY_UP
from expotv.storage.base import ObjectStorage

log = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 2.0
# /metrics refreshes the gauge at most this often (readiness probes refresh it too).
METRICS_PROBE_INTERVAL_SECONDS = 10.0

# (metric label, name shown to people)
DATABASE = ("database", "banco de dados")
CACHE = ("cache", "cache")
STORAGE = ("storage", "armazenamento")


@dataclass(frozen=True)
class Health:
    parts: dict[str, bool]  # name shown to people -> healthy

    @property
    def failures(self) -> list[str]:
        return [name for name, ok in self.parts.items() if not ok]

    @property
    def ok(self) -> bool:
        return not self.failures


async def _select_one(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _run(
    label: str, check: Callable[[], Awaitable[None]], timeout: float
) -> bool:
    try:
        await asyncio.wait_for(check(), timeout)
    except TimeoutError:
        log.warning("verificação de %s excedeu %.1f s", label, timeout)
        return False
    except Exception as exc:  # any failure means "not ready"; the reason is logged
        log.warning("verificação de %s falhou: %s", label, type(exc).__name__)
        return False
    return True


class DependencyProbe:
    """The database, cache and storage of a context, checked together."""

    def __init__(self, engine: AsyncEngine, cache: Cache, storage: ObjectStorage):
        self._engine = engine
        self._cache = cache
        self._storage = storage
        self.checked_at: float | None = None

    async def check(self, *, timeout: float | None = None) -> Health:
        limit = READY_TIMEOUT_SECONDS if timeout is None else timeout
        engine = self._engine
        checks: list[tuple[tuple[str, str], Callable[[], Awaitable[None]]]] = [
            (DATABASE, lambda: _select_one(engine)),
            (CACHE, self._cache.check),
            (STORAGE, self._storage.check),
        ]
        results = await asyncio.gather(
            *(_run(label, check, limit) for (label, _), check in checks)
        )
        for ((label, _), _check), ok in zip(checks, results, strict=True):
            DEPENDENCY_UP.labels(label).set(1 if ok else 0)
        self.checked_at = time.monotonic()
        return Health(
            {name: ok for ((_, name), _), ok in zip(checks, results, strict=True)}
        )

    async def refresh_if_stale(self) -> None:
        """Re-check when the last check is older than the interval (/metrics)."""
        if (
            self.checked_at is None
            or time.monotonic() - self.checked_at >= METRICS_PROBE_INTERVAL_SECONDS
        ):
            await self.check()
