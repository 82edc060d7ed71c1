"""TV heartbeats, kept in memory and written in batches.

A ping only records ``code -> last time, app version, resolution`` in this process;
every ``heartbeat_flush_seconds`` one UPDATE per chunk of TVs writes them::

    UPDATE tv SET last_seen_at = CASE id WHEN 1 THEN ... END, ... WHERE id IN (1, ...)

so 100,000 TVs pinging every 30 s cost a few statements a second, not 3,300. A
flush that fails (database down) puts its pings back and the next one retries;
the last flush runs at shutdown.

Until written, a ping is "pending": reads ask for pending pings (``presence``) so
that a status read right after a ping says online. With Redis each ping is also
shared with the other instances (``pings.SharedPings``, sent within a second in
one batch), and the instance that writes it removes it there.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Collection
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Integer, String, TextClause, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.db import UTCDateTime
from expotv.tasks import Periodic
from expotv.tvs.models import TV
from expotv.tvs.pings import SharedPings

logger = logging.getLogger(__name__)

# Seven bound parameters per TV in the SQL (its id four times): 896 a statement,
# well under every backend's limit. A power of two (``batch_update`` pads to one).
# Binding a statement's parameters holds the event loop (the driver escapes them
# in Python): 128 TVs keep each hold to a few milliseconds, where 512 held
# requests for 15-30 ms at 100,000 TVs (issue #15).
CHUNK_SIZE = 128
# The final flush at shutdown gives up after this long (Kubernetes' default grace
# period is 30 s, and the rest of the shutdown needs some of it).
FINAL_FLUSH_SECONDS = 10.0


class Beat(NamedTuple):
    """One ping's news. Kept pending as a plain tuple (``_Pending``): a tuple of
    a datetime and strings is one CPython's collector stops tracking, so the
    pings of a large fleet waiting for their flush add nothing to its full
    collections (issue #15)."""

    seen_at: datetime
    app_version: str | None = None
    resolution: str | None = None

    def merged(self, other: Beat) -> Beat:
        """Both beats as one: the later time, the last known values."""
        newer, older = (other, self) if other.seen_at >= self.seen_at else (self, other)
        return Beat(
            newer.seen_at,
            newer.app_version or older.app_version,
            newer.resolution or older.resolution,
        )


# A Beat as it waits for its flush: an exact tuple (a named tuple is a subclass,
# tracked for as long as it lives).
_Pending = tuple[datetime, str | None, str | None]


def _pending(beat: Beat) -> _Pending:
    return tuple(beat)  # type: ignore[return-value]


@functools.lru_cache(maxsize=16)
def _batch_statement(size: int) -> TextClause:
    """The UPDATE of ``size`` TVs, written once per size (a power of two).

    Plain SQL with typed bound parameters rather than ``update().values(case())``:
    SQLAlchemy builds, keys and compiles that statement again for every flush
    (its cache key walks the three CASEs' thousand-odd literals), about 100x the
    cost of running it (issue #15); this text is compiled once per size and each
    flush only binds its values.
    """
    whens = range(size)
    seen = " ".join(f"WHEN :i{k} THEN :s{k}" for k in whens)
    versions = " ".join(f"WHEN :i{k} THEN COALESCE(:a{k}, app_version)" for k in whens)
    resolutions = " ".join(
        f"WHEN :i{k} THEN COALESCE(:r{k}, resolution)" for k in whens
    )
    ids = ", ".join(f":i{k}" for k in whens)
    # updated_at is left alone: a heartbeat is not an edit of the TV.
    statement = text(
        f"UPDATE {TV.__tablename__} SET last_seen_at = CASE id {seen} END, "
        f"app_version = CASE id {versions} END, "
        f"resolution = CASE id {resolutions} END "
        f"WHERE id IN ({ids})"
    )
    return statement.bindparams(
        *(bindparam(f"i{k}", type_=Integer()) for k in whens),
        *(bindparam(f"s{k}", type_=UTCDateTime()) for k in whens),
        *(bindparam(f"a{k}", type_=String()) for k in whens),
        *(bindparam(f"r{k}", type_=String()) for k in whens),
    )


def batch_update(beats: list[tuple[int, Beat]]) -> tuple[TextClause, dict[str, Any]]:
    """One UPDATE for many TVs (the CASEs pick each TV's own values; a missing
    app version or resolution keeps the stored one) and its parameters.

    The list is padded to a power of two by repeating its last TV (the same
    values again: harmless), so a handful of statement sizes serve every flush.
    """
    size = 1 << max(0, len(beats) - 1).bit_length()
    padded = beats + [beats[-1]] * (size - len(beats))
    params: dict[str, Any] = {}
    for k, (tv_id, beat) in enumerate(padded):
        params[f"i{k}"] = tv_id
        params[f"s{k}"] = beat.seen_at
        params[f"a{k}"] = beat.app_version
        params[f"r{k}"] = beat.resolution
    return _batch_statement(size), params


class HeartbeatWriter:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        flush_seconds: float,
        chunk_size: int = CHUNK_SIZE,
        shared: SharedPings | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._shared = shared
        self._chunk_size = chunk_size
        self._pending: dict[int, _Pending] = {}
        self._writing: dict[int, _Pending] = {}
        self._lock = asyncio.Lock()
        self._periodic = Periodic(self.flush, flush_seconds, failed=self._flush_failed)

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def record(self, tv_id: int, beat: Beat) -> None:
        """Remember ``beat`` until the next flush."""
        known = self._pending.get(tv_id)
        if known is not None:
            beat = Beat._make(known).merged(beat)
        self._pending[tv_id] = _pending(beat)
        if self._shared is not None:
            self._shared.record(tv_id, beat.seen_at)

    def _last_seen(self, tv_id: int) -> datetime | None:
        beats = [b for b in (self._pending.get(tv_id), self._writing.get(tv_id)) if b]
        return max((seen_at for seen_at, _, _ in beats), default=None)

    async def seen(self, tv_ids: Collection[int]) -> dict[int, datetime]:
        """This process's pings of ``tv_ids`` not written yet."""
        found = {tv_id: self._last_seen(tv_id) for tv_id in tv_ids}
        return {tv_id: seen for tv_id, seen in found.items() if seen is not None}

    async def seen_since(self, since: datetime) -> dict[int, datetime]:
        found = await self.seen({*self._pending, *self._writing})
        return {tv_id: seen for tv_id, seen in found.items() if seen >= since}

    async def flush(self) -> int:
        """Write the pending heartbeats; returns how many TVs were written.

        On failure the unwritten ones go back to the pending set and the error
        propagates.
        """
        async with self._lock:
            if not self._pending:
                return 0
            if self._shared is not None:
                # Shared before written, so that the clean-up below finds them.
                await self._shared.flush()
            batch, self._pending = self._pending, {}
            self._writing = batch
            items = sorted(batch.items())
            written = 0
            try:
                for start in range(0, len(items), self._chunk_size):
                    chunk = [
                        (tv_id, Beat._make(raw))
                        for tv_id, raw in items[start : start + self._chunk_size]
                    ]
                    statement, params = batch_update(chunk)
                    async with self._sessionmaker() as session, session.begin():
                        await session.execute(statement, params)
                    written += len(chunk)
                    if self._shared is not None:
                        await self._shared.written(
                            (tv_id, beat.seen_at) for tv_id, beat in chunk
                        )
            except BaseException:
                self._put_back(items[written:])
                raise
            finally:
                self._writing = {}
            return written

    def _put_back(self, beats: list[tuple[int, _Pending]]) -> None:
        for tv_id, raw in beats:
            newer = self._pending.get(tv_id)
            if newer is not None:
                raw = _pending(Beat._make(raw).merged(Beat._make(newer)))
            self._pending[tv_id] = raw

    def _flush_failed(self, exc: Exception) -> None:
        logger.warning(
            "heartbeat flush failed, %d TVs kept for retry: %r", len(self._pending), exc
        )

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        """Stop the periodic flush and write what is left, within
        ``FINAL_FLUSH_SECONDS``: a database that hangs (a row lock held elsewhere
        waits out MariaDB's 50 s) must not hold the process's shutdown past its
        supervisor's grace period. What is not written is lost, and said."""
        try:
            async with asyncio.timeout(FINAL_FLUSH_SECONDS):
                await self._periodic.stop()
                await self.flush()
        except Exception as exc:
            logger.error(
                "final heartbeat flush failed, %d TVs lost: %r", len(self._pending), exc
            )

    def reset(self) -> None:
        """Drop unwritten heartbeats (between tests)."""
        self._pending.clear()
