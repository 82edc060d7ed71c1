"""TV heartbeats, kept in memory and written in batches.

A ping only records ``code -> last time, app version, resolution`` in this process;
every ``heartbeat_flush_seconds`` one UPDATE per chunk of TVs writes them::

    UPDATE tv SET last_seen_at = CASE id WHEN 1 THEN ... END WHERE id IN (1, ...)

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
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, Update, case, literal, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.db import UTCDateTime
from expotv.tasks import cancel_and_wait
from expotv.tvs.models import TV
from expotv.tvs.pings import SharedPings

logger = logging.getLogger(__name__)

# Seven bound parameters per TV at most: well under every backend's limit.
CHUNK_SIZE = 500


@dataclass(slots=True)
class Beat:
    seen_at: datetime
    app_version: str | None = None
    resolution: str | None = None

    def merge(self, newer: Beat) -> None:
        """Fold ``newer`` into this beat (the later time, the last known values)."""
        if newer.seen_at >= self.seen_at:
            self.seen_at = newer.seen_at
            self.app_version = newer.app_version or self.app_version
            self.resolution = newer.resolution or self.resolution
        else:
            self.app_version = self.app_version or newer.app_version
            self.resolution = self.resolution or newer.resolution


def batch_update(beats: list[tuple[int, Beat]]) -> Update:
    """One UPDATE for many TVs (the CASE picks each TV's own values)."""
    table = cast(Table, TV.__table__)
    ids = [tv_id for tv_id, _ in beats]
    values: dict[str, Any] = {
        "last_seen_at": case(
            {tv_id: literal(beat.seen_at, UTCDateTime()) for tv_id, beat in beats},
            value=table.c.id,
        ),
        # A heartbeat is not an edit of the TV.
        "updated_at": table.c.updated_at,
    }
    app_versions = {tv_id: b.app_version for tv_id, b in beats if b.app_version}
    if app_versions:
        values["app_version"] = case(
            app_versions, value=table.c.id, else_=table.c.app_version
        )
    resolutions = {tv_id: b.resolution for tv_id, b in beats if b.resolution}
    if resolutions:
        values["resolution"] = case(
            resolutions, value=table.c.id, else_=table.c.resolution
        )
    return update(table).where(table.c.id.in_(ids)).values(values)


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
        self._flush_seconds = flush_seconds
        self._chunk_size = chunk_size
        self._pending: dict[int, Beat] = {}
        self._writing: dict[int, Beat] = {}
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def record(self, tv_id: int, beat: Beat) -> None:
        """Remember ``beat`` (a new object, kept as is) until the next flush."""
        known = self._pending.get(tv_id)
        if known is None:
            self._pending[tv_id] = beat
        else:
            known.merge(beat)
        if self._shared is not None:
            self._shared.record(tv_id, beat.seen_at)

    def _last_seen(self, tv_id: int) -> datetime | None:
        beats = [b for b in (self._pending.get(tv_id), self._writing.get(tv_id)) if b]
        return max((beat.seen_at for beat in beats), default=None)

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
                    chunk = items[start : start + self._chunk_size]
                    async with self._sessionmaker() as session, session.begin():
                        await session.execute(batch_update(chunk))
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

    def _put_back(self, beats: list[tuple[int, Beat]]) -> None:
        for tv_id, beat in beats:
            newer = self._pending.get(tv_id)
            if newer is not None:
                beat.merge(newer)
            self._pending[tv_id] = beat

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._flush_seconds)
            try:
                await self.flush()
            except Exception as exc:
                logger.warning(
                    "heartbeat flush failed, %d TVs kept for retry: %r",
                    len(self._pending),
                    exc,
                )

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        """Stop the periodic flush and write what is left."""
        await cancel_and_wait(self._task)
        self._task = None
        try:
            await self.flush()
        except Exception as exc:
            logger.error(
                "final heartbeat flush failed, %d TVs lost: %r", len(self._pending), exc
            )

    def reset(self) -> None:
        """Drop unwritten heartbeats (between tests)."""
        self._pending.clear()
