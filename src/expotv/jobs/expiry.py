"""Expire content items (anúncios, avisos) whose ``data_expiracao`` has passed.

Readers already treat such items as expired; the job makes the stored status agree
(so lists filter and quotas count correctly) and tells the affected TVs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.config import Settings
from expotv.content import ContentStatus
from expotv.db import session_scope
from expotv.items.kinds import MODELS
from expotv.playlist.invalidation import content_changed

_CHUNK = 500


async def expire_content(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *, now: datetime
) -> int:
    """The scheduled job: one unit of work, TVs nudged after the commit."""
    async with session_scope(sessionmaker) as session:
        return await expire_items(session, now=now)


async def expire_items(session: AsyncSession, *, now: datetime) -> int:
    """Mark expired anúncios and avisos; returns how many changed."""
    changed = 0
    condominium_ids: set[int] = set()
    for model in MODELS:
        rows = (
            await session.execute(
                select(model.id, model.status).where(model.is_expiry_due(now))
            )
        ).all()
        if not rows:
            continue
        ids = [row[0] for row in rows]
        # Inactive items do not play: only active ones change a playlist.
        playing = [row[0] for row in rows if row[1] == ContentStatus.ACTIVE]
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            # The conditions again: an item extended meanwhile stays as it is.
            result: Any = await session.execute(
                update(model)
                .where(model.id.in_(chunk), model.is_expiry_due(now))
                .values(status=ContentStatus.EXPIRED)
                .execution_options(synchronize_session=False)
            )
            changed += result.rowcount or 0
        item_id, target_id = model.link_columns()
        for start in range(0, len(playing), _CHUNK):
            chunk = playing[start : start + _CHUNK]
            condominium_ids.update(
                await session.scalars(
                    select(target_id).where(item_id.in_(chunk)).distinct()
                )
            )
    if condominium_ids:
        content_changed(session, condominium_ids=condominium_ids)
    return changed
