"""The TV monitor: TVs silent past ``tv_offline_after_seconds`` become offline.

Idempotent and cheap (one UPDATE, one aggregate): safe to run on any instance; the
scheduler decides where and how often.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.config import Settings
from expotv.db import session_scope
from expotv.observability.metrics import TVS_OFFLINE, TVS_ONLINE
from expotv.tvs.models import TV, TVStatus


async def mark_offline(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    now: datetime,
) -> int:
    """Mark silent TVs offline and refresh the online/offline gauges.

    Returns how many TVs went offline in this run.
    """
    online_since = now - timedelta(seconds=settings.tv_offline_after_seconds)
    table = cast(Table, TV.__table__)
    is_silent = or_(table.c.last_seen_at.is_(None), table.c.last_seen_at < online_since)
    async with session_scope(sessionmaker) as session:
        result = await session.execute(
            update(table)
            .where(table.c.status == TVStatus.ONLINE, is_silent)
            # Going offline is not an edit of the TV.
            .values(status=TVStatus.OFFLINE, updated_at=table.c.updated_at)
        )
        counts = (
            await session.execute(
                select(
                    func.count(),
                    func.coalesce(
                        func.sum(
                            case(
                                (
                                    and_(
                                        table.c.last_seen_at.is_not(None),
                                        table.c.last_seen_at >= online_since,
                                    ),
                                    1,
                                ),
                                else_=0,
                            )
                        ),
                        0,
                    ),
                ).select_from(table)
            )
        ).one()
    total, online = int(counts[0]), int(counts[1])
    TVS_ONLINE.set(online)
    TVS_OFFLINE.set(total - online)
    return int(getattr(result, "rowcount", 0) or 0)
