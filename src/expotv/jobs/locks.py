"""Who runs a scheduled job, when several instances share one database.

A run needs two things, both from a ``JobCoordinator``:

    hold(name)   a lock for the run's duration (no two runs of a job overlap)
    claim(...)   the job's current period slot, taken atomically (no second run in
                 the same period, even by an instance whose timer fired later)

    RedisJobCoordinator      SET NX PX with a random token, renewed while the job
                             runs, released by compare-and-delete; the slot in
                             ``expotv:job-last:<name>``. Falls back to the database
                             coordinator while Redis is down.
    DatabaseJobCoordinator   MySQL/MariaDB GET_LOCK, PostgreSQL
                             pg_try_advisory_lock, or an in-process lock on SQLite
                             (one instance); the slot in the ``job_run`` table.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from redis.asyncio import Redis
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from expotv.cache import keys
from expotv.cache.redis import REDIS_ERRORS, RedisLink
from expotv.jobs.models import JobRun
from expotv.tasks import cancel_and_wait

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class JobCoordinator(Protocol):
    def hold(self, name: str) -> AbstractAsyncContextManager[bool]:
        """Yield True while this process holds the lock, False if another does."""

    async def claim(
        self, name: str, slot: int, *, now: datetime, period_seconds: float
    ) -> bool:
        """Take period ``slot``; False when it (or a later one) was taken."""


class LocalLocks:
    """In-process, non-blocking locks by name."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        lock = self._locks.setdefault(name, asyncio.Lock())
        if lock.locked():
            yield False
            return
        async with lock:
            yield True


class DatabaseJobCoordinator:
    """Locks from the database server itself, run records in ``job_run``."""

    def __init__(
        self, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        self._engine = engine
        self._sessionmaker = sessionmaker
        self._local = LocalLocks()
        self._dialect = engine.dialect.name
        self._namespace = engine.url.database or "expotv"

    def hold(self, name: str) -> AbstractAsyncContextManager[bool]:
        if self._dialect in ("mysql", "mariadb"):
            # GET_LOCK names are server-wide (at most 64 characters): qualify them
            # with the database so deployments sharing a server do not block each
            # other.
            lock_name = _bounded(f"{self._namespace}:job:{name}", 64)
            return self._server_lock(
                "SELECT GET_LOCK(:n, 0)", "SELECT RELEASE_LOCK(:n)", n=lock_name
            )
        if self._dialect == "postgresql":
            digest = hashlib.sha256(f"expotv:job:{name}".encode()).digest()
            lock_id = int.from_bytes(digest[:8], "big", signed=True)
            return self._server_lock(
                "SELECT pg_try_advisory_lock(:k)",
                "SELECT pg_advisory_unlock(:k)",
                k=lock_id,
            )
        return self._local.hold(name)

    @asynccontextmanager
    async def _server_lock(
        self, acquire: str, release: str, **params: Any
    ) -> AsyncIterator[bool]:
        """A lock of the database server, held by one connection for the block:
        ``acquire`` answers 1 (true) when it took the lock without waiting."""
        async with self._engine.connect() as conn:
            got = await conn.scalar(text(acquire), params)
            await conn.commit()
            if got != 1:
                yield False
                return
            try:
                yield True
            finally:
                with contextlib.suppress(Exception):
                    await conn.execute(text(release), params)
                    await conn.commit()

    async def claim(
        self, name: str, slot: int, *, now: datetime, period_seconds: float
    ) -> bool:
        for attempt in range(3):
            try:
                await self._ensure_row(name)
                return await self._advance(name, slot, now)
            except OperationalError:
                # InnoDB may pick one of several racing first inserts as a deadlock
                # victim; the claim is idempotent, so try again.
                if attempt == 2:
                    raise
                await asyncio.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    async def _ensure_row(self, name: str) -> None:
        """The job's row, created apart so that claims only ever update it."""
        async with self._sessionmaker() as session:
            if await session.get(JobRun, name) is not None:
                return
            session.add(JobRun(name=name, slot=-1, ran_at=EPOCH))
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()  # another instance created it first

    async def _advance(self, name: str, slot: int, now: datetime) -> bool:
        async with self._sessionmaker() as session:
            result = await session.execute(
                update(JobRun)
                .where(JobRun.name == name, JobRun.slot < slot)
                .values(slot=slot, ran_at=now)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
            return getattr(result, "rowcount", 0) == 1


# Release only our own lock: after a long pause the TTL may have handed it to
# another instance, whose lock a plain DEL would break.
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
_RENEW_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_CLAIM_SCRIPT = """
local last = tonumber(redis.call('HGET', KEYS[1], 'slot') or '-1')
if last >= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'slot', ARGV[1], 'ran_at', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""


class RedisJobCoordinator:
    """Job locks and run records on Redis, shared by every instance."""

    def __init__(
        self,
        link: RedisLink,
        *,
        fallback: JobCoordinator,
        lock_ttl_seconds: float = 30.0,
    ) -> None:
        self.link = link
        self._fallback = fallback
        self._ttl_ms = int(lock_ttl_seconds * 1000)
        self._release = link.client.register_script(_RELEASE_SCRIPT)
        self._renew = link.client.register_script(_RENEW_SCRIPT)
        self._claim = link.client.register_script(_CLAIM_SCRIPT)

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        key = self.link.key(keys.job_lock(name))
        token = secrets.token_hex(16)

        async def primary(client: Redis[bytes]) -> bool | None:
            return bool(await client.set(key, token, nx=True, px=self._ttl_ms))

        async def fallback() -> bool | None:
            return None

        got = await self.link.call("lock", primary, fallback)
        if got is None:
            async with self._fallback.hold(name) as held:
                yield held
            return
        if not got:
            yield False
            return
        renewal = asyncio.create_task(self._keep(key, token))
        try:
            yield True
        finally:
            await cancel_and_wait(renewal)
            with contextlib.suppress(*REDIS_ERRORS):
                await self._release(keys=[key], args=[token], client=self.link.client)

    async def _keep(self, key: str, token: str) -> None:
        """Extend the lock while the job runs, so a slow run keeps it to the end."""
        while True:
            await asyncio.sleep(self._ttl_ms / 3000)
            try:
                kept = await self._renew(
                    keys=[key], args=[token, self._ttl_ms], client=self.link.client
                )
            except REDIS_ERRORS as exc:
                log.warning("não foi possível renovar a trava %s: %s", key, exc)
                continue
            if not kept:
                log.warning("trava %s perdida durante a execução", key)
                return

    async def claim(
        self, name: str, slot: int, *, now: datetime, period_seconds: float
    ) -> bool:
        key = self.link.key(keys.job_last_run(name))
        keep_ms = int(max(3 * period_seconds, 60) * 1000)

        async def primary(client: Redis[bytes]) -> bool:
            taken = await self._claim(
                keys=[key], args=[slot, now.isoformat(), keep_ms], client=client
            )
            return bool(taken)

        async def fallback() -> bool:
            return await self._fallback.claim(
                name, slot, now=now, period_seconds=period_seconds
            )

        return await self.link.call("claim", primary, fallback)


def _bounded(name: str, limit: int) -> str:
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    return f"{name[: limit - 17]}~{digest}"
