"""The TV monitor: the online/offline gauges, by the one rule of ``presence``.

There is no stored status to update (a TV's status is computed on read), so the
monitor only counts: one aggregate, safe on any instance; the scheduler decides
where and how often.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.observability.metrics import TVS_OFFLINE, TVS_ONLINE
from expotv.tvs.presence import Presence


async def refresh_gauges(
    sessionmaker: async_sessionmaker[AsyncSession],
    presence: Presence,
    *,
    now: datetime,
) -> dict[str, int]:
    """Set ``expotv_tvs_online`` / ``expotv_tvs_offline`` for ``now``."""
    async with sessionmaker() as session:
        online, total = await presence.count(session, now)
    TVS_ONLINE.set(online)
    TVS_OFFLINE.set(total - online)
    return {"online": online, "offline": total - online}
