"""The orphan sweep: delete stored objects that no item refers to any more.

Every normal path already cleans up after itself (rollback, replacement, deletion,
failed conversion). This catches what a crash or a storage outage at the wrong
moment leaves behind: an object written by a request whose process died before
commit or rollback, or one whose deletion after a commit failed.

Objects younger than ``min_age`` are never touched: they may belong to an upload
whose unit of work has not committed yet. The anúncios and avisos tables are the
only owners of ``imagem/`` and ``video/`` keys; a new owner must be added to
``items.kinds.MODELS``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.content import ContentStatus
from expotv.items.kinds import MODELS as ITEM_MODELS
from expotv.media.service import delete_quietly
from expotv.storage import keys
from expotv.storage.base import ObjectStorage

logger = logging.getLogger(__name__)

DEFAULT_MIN_AGE = timedelta(hours=6)


async def referenced_keys(sessionmaker: async_sessionmaker[AsyncSession]) -> set[str]:
    """Every key an item points at, and the originals still waiting for conversion."""
    found: set[str] = set()
    async with sessionmaker() as session:
        for model in ITEM_MODELS:
            rows = await session.execute(
                select(model.media_key, model.thumbnail_key, model.status)
            )
            for media_key, thumbnail_key, status in rows:
                found.update(key for key in (media_key, thumbnail_key) if key)
                if media_key and status is ContentStatus.PROCESSING:
                    found.add(keys.upload_key(media_key))
    return found


async def sweep_orphans(
    sessionmaker: async_sessionmaker[AsyncSession],
    storage: ObjectStorage,
    *,
    now: datetime,
    min_age: timedelta = DEFAULT_MIN_AGE,
) -> int:
    """Delete unreferenced objects older than ``min_age``; returns how many."""
    cutoff = now - min_age
    # Only objects written long ago are candidates: their unit of work has
    # committed (or rolled back) before the references are read, unless a single
    # request ran for longer than ``min_age``.
    candidates = [
        obj.key async for obj in storage.iter_objects() if obj.modified_at < cutoff
    ]
    if not candidates:
        return 0
    referenced = await referenced_keys(sessionmaker)
    orphans = [key for key in candidates if key not in referenced]
    if orphans:
        logger.warning("apagando %d objetos órfãos do armazenamento", len(orphans))
        await delete_quietly(storage, orphans)
    return len(orphans)
