"""Is this TV online? The one rule, and the pings it must not miss.

A TV is online iff its last ping is at most ``tv_offline_after_seconds`` old:

    TV.seen_since(since)       the rule on the model (hybrid: Python and SQL;
                               ``was_seen_since`` is its Python side)
    online_since(now, ...)     the ``since`` of that rule at ``now``
    Presence                   the rule plus the pings not written yet

Pings are written in batches (``heartbeat``), so the database may lag a ping by a
couple of seconds; reads ask ``Presence`` for the pings still pending: this
process's own (the heartbeat writer's buffer) and, with Redis, every instance's
(``pings.SharedPings``, sent every ``EXPOTV_PING_SYNC_SECONDS``). A status read
right after a ping says ``online`` on the instance pinged, and on every other one
within that second. Used by the TV and condomínio reads, the ``status`` filter,
the monitor job and the online/offline gauges.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Protocol, cast

from sqlalchemy import ColumnElement, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.tvs.models import TV, TVStatus, was_seen_since


def online_since(now: datetime, offline_after_seconds: float) -> datetime:
    """The oldest ping that still counts as online at ``now``."""
    return now - timedelta(seconds=offline_after_seconds)


def last_seen(tv: TV, pending: Mapping[int, datetime]) -> datetime | None:
    """The TV's last ping, written or still pending."""
    recent = pending.get(tv.id)
    if recent is None or (tv.last_seen_at is not None and tv.last_seen_at >= recent):
        return tv.last_seen_at
    return recent


class PendingPings(Protocol):
    """Pings received and not written to the database yet."""

    async def seen(self, tv_ids: Collection[int]) -> dict[int, datetime]:
        """The latest pending ping of each of ``tv_ids`` that has one."""

    async def seen_since(self, since: datetime) -> dict[int, datetime]:
        """Every pending ping at or after ``since``."""


class NoPendingPings:
    """A process that takes no pings and shares none (no Redis): nothing pending."""

    async def seen(self, tv_ids: Collection[int]) -> dict[int, datetime]:
        return {}

    async def seen_since(self, since: datetime) -> dict[int, datetime]:
        return {}


class CombinedPings:
    """This process's pending pings and those shared by the other instances."""

    def __init__(self, *sources: PendingPings) -> None:
        self._sources = sources

    async def seen(self, tv_ids: Collection[int]) -> dict[int, datetime]:
        found: dict[int, datetime] = {}
        for source in self._sources:
            _merge(found, await source.seen(tv_ids))
        return found

    async def seen_since(self, since: datetime) -> dict[int, datetime]:
        found: dict[int, datetime] = {}
        for source in self._sources:
            _merge(found, await source.seen_since(since))
        return found


def _merge(into: dict[int, datetime], more: Mapping[int, datetime]) -> None:
    for tv_id, seen_at in more.items():
        known = into.get(tv_id)
        if known is None or seen_at > known:
            into[tv_id] = seen_at


class Presence:
    def __init__(self, pings: PendingPings, *, offline_after_seconds: float) -> None:
        self._pings = pings
        self.offline_after_seconds = offline_after_seconds

    def since(self, now: datetime) -> datetime:
        return online_since(now, self.offline_after_seconds)

    async def pending(self, tvs: Iterable[TV]) -> dict[int, datetime]:
        """The pending pings of ``tvs`` (for ``status`` and ``last_seen``)."""
        ids = {tv.id for tv in tvs}
        return await self._pings.seen(ids) if ids else {}

    def status(
        self, tv: TV, now: datetime, pending: Mapping[int, datetime]
    ) -> TVStatus:
        is_online = was_seen_since(last_seen(tv, pending), self.since(now))
        return TVStatus.ONLINE if is_online else TVStatus.OFFLINE

    async def condition(self, status: TVStatus, now: datetime) -> ColumnElement[bool]:
        """SQL for "has this status at ``now``", pending pings included."""
        since = self.since(now)
        recent = sorted((await self._pings.seen_since(since)).keys())
        seen = cast(ColumnElement[bool], TV.seen_since(since))
        online = or_(seen, TV.id.in_(recent)) if recent else seen
        return online if status is TVStatus.ONLINE else not_(online)

    async def count(self, session: AsyncSession, now: datetime) -> tuple[int, int]:
        """(online, total) TVs at ``now``: the monitor's gauges."""
        online = await session.scalar(
            select(func.count())
            .select_from(TV)
            .where(await self.condition(TVStatus.ONLINE, now))
        )
        total = await session.scalar(select(func.count()).select_from(TV))
        return int(online or 0), int(total or 0)
