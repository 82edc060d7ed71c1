"""The playlists of many TVs at once: what ``GET /app/tv/{codigo}/content`` answers
each of them, built with a fixed number of statements whatever their number.

The TV app's loader (``playlist.loader``) reads one TV at a time (three queries);
here the same eligibility rule (the model's ``plays`` hybrid) selects the items of
every condomínio asked for in one query per kind, and the same pure builder
(``playlist.builder.render``) makes each TV's body. Reading is not a ping and
touches no cache.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.ads.models import Ad
from expotv.condominiums.models import Condominium
from expotv.content import ContentStatus, MediaKind
from expotv.items.models import ContentItem
from expotv.notices.models import Notice
from expotv.playlist import repository as playlist_repo
from expotv.playlist.builder import ItemKind, PlaylistItem, Ratios, TVInfo, render
from expotv.tvs.models import TV


def _eligible_in(
    model: type[ContentItem], condominium_ids: Collection[int], now: datetime
) -> Any:
    item_id, target_id = model.link_columns()
    columns = [
        target_id.label("target_id"),
        model.id,
        model.name,
        model.created_at,
        model.duration_seconds,
        model.status,
        model.expires_at,
        model.archive_url,
        model.media_kind,
        model.thumbnail_url,
    ]
    if model is Notice:
        columns.append(Notice.message)
    return (
        select(*columns)
        .join(model.condominium_link, item_id == model.id)
        .where(target_id.in_(sorted(condominium_ids)), model.plays(now))
    )


def _item(kind: ItemKind, row: Any) -> PlaylistItem:
    return PlaylistItem(
        kind=kind,
        id=row.id,
        title=row.name,
        created_at=row.created_at,
        duration_seconds=row.duration_seconds,
        status=ContentStatus(row.status),
        expires_at=row.expires_at,
        archive_url=row.archive_url,
        media_kind=None if row.media_kind is None else MediaKind(row.media_kind).value,
        thumbnail_url=row.thumbnail_url,
        message=getattr(row, "message", None),
    )


def _news(row: Any) -> PlaylistItem:
    return PlaylistItem(
        kind=ItemKind.NEWS,
        id=row.id,
        title=row.title,
        created_at=row.created_at,
        duration_seconds=row.duration_seconds,
        status=ContentStatus(row.status),
        expires_at=row.expires_at,
        archive_url=row.image_url,
        media_kind=MediaKind.IMAGE.value if row.image_url else None,
        summary=row.summary,
        source=row.source,
        published_at=row.published_at,
    )


async def playlist_bodies(
    session: AsyncSession,
    tvs: Sequence[TV],
    condominiums: dict[int, Condominium],
    *,
    now: datetime,
    max_news: int,
) -> dict[int, dict[str, Any]]:
    """Each TV's content body (as the TV gets it, parsed), by TV id."""
    condominium_ids = {tv.condominium_id for tv in tvs}
    items: defaultdict[int, list[PlaylistItem]] = defaultdict(list)
    for kind, model in ((ItemKind.NOTICE, Notice), (ItemKind.AD, Ad)):
        for row in await session.execute(_eligible_in(model, condominium_ids, now)):
            items[row.target_id].append(_item(kind, row))
    news = [
        _news(row)
        for row in await session.execute(
            playlist_repo.eligible_news(now, limit=max_news)
        )
    ]
    bodies: dict[int, dict[str, Any]] = {}
    for tv in tvs:
        condominium = condominiums.get(tv.condominium_id)
        info = TVInfo(
            id=tv.id,
            code=tv.code,
            name=tv.name,
            condominium_id=tv.condominium_id,
            condominium_name=condominium.name if condominium else "",
            ratios=Ratios(notices=tv.notice_ratio, ads=tv.ad_ratio, news=tv.news_ratio),
        )
        rendered = render(info, [*items[tv.condominium_id], *news], now=now)
        bodies[tv.id] = json.loads(rendered.body)
    return bodies
