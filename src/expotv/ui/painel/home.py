"""Início: how the caller's TVs and items are doing, at a glance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.content import ContentStatus
from expotv.db import utcnow
from expotv.deps import PresenceDep
from expotv.items import repository as items_repo
from expotv.items.kind import ContentKind
from expotv.items.kinds import KINDS as ITEM_KINDS
from expotv.items.repository import ItemFilters
from expotv.pagination import PageParams, paginate
from expotv.tvs import service as tv_service
from expotv.tvs.models import TVStatus
from expotv.tvs.repository import TVFilters
from expotv.ui.painel import lookups
from expotv.ui.painel.guard import painel_router
from expotv.ui.painel.page import Painel
from expotv.ui.painel.tvs import tv_states
from expotv.users.models import User

router = painel_router()

EXPIRING_WITHIN = timedelta(days=7)
SHOWN_TVS = 6
SHOWN_ITEMS = 5


@dataclass(frozen=True, slots=True)
class Kind:
    label: str
    path: str
    kind: ContentKind[Any, Any, Any, Any]


KINDS = tuple(
    Kind(kind.names.singular.capitalize(), kind.names.path.strip("/"), kind)
    for kind in ITEM_KINDS
)


@dataclass(frozen=True, slots=True)
class ItemLine:
    kind: Kind
    id: int
    name: str
    expires_at: datetime | None
    thumbnail_url: str | None
    detail: str


async def _items(
    session: AsyncSession,
    user: User,
    status: ContentStatus,
    *,
    now: datetime,
    expiring_before: datetime | None = None,
) -> tuple[int, list[ItemLine]]:
    """How many of the caller's visible items are ``status`` (and the first few)."""
    total = 0
    lines: list[ItemLine] = []
    for kind in KINDS:
        filters = ItemFilters(status=status)
        query = items_repo.list_visible(kind.kind, user, filters, now=now)
        if expiring_before is not None:
            query = query.where(kind.kind.model.expires_at <= expiring_before)
        page = await paginate(session, query, PageParams(limit=SHOWN_ITEMS, offset=0))
        total += page.total
        lines += [
            ItemLine(
                kind=kind,
                id=item.id,
                name=item.name,
                expires_at=item.expires_at,
                thumbnail_url=item.thumbnail_url,
                detail=item.media_error or "",
            )
            for item in page.items
        ]
    lines.sort(key=lambda line: (line.expires_at or now, line.id))
    return total, lines[:SHOWN_ITEMS]


@router.get("/painel")
async def home(painel: Painel, presence: PresenceDep) -> Response:
    now, session, user = utcnow(), painel.session, painel.user
    first = PageParams(limit=SHOWN_TVS, offset=0)
    tvs = await tv_service.list_visible(
        session, TVFilters(), user=user, params=first, now=now, presence=presence
    )
    online = await tv_service.list_visible(
        session,
        TVFilters(status=TVStatus.ONLINE),
        user=user,
        params=PageParams(limit=1, offset=0),
        now=now,
        presence=presence,
    )
    live, _ = await _items(session, user, ContentStatus.ACTIVE, now=now)
    expiring, expiring_lines = await _items(
        session,
        user,
        ContentStatus.ACTIVE,
        now=now,
        expiring_before=now + EXPIRING_WITHIN,
    )
    failed, failed_lines = await _items(session, user, ContentStatus.ERROR, now=now)
    names = await lookups.condominium_names(
        session, {tv.condominium_id for tv in tvs.items}, user=user
    )
    states = await tv_states(painel, tvs.items)
    return painel.view(
        "inicio.html",
        section="inicio",
        zone=await painel.zone(),
        counts={
            "online": online.total,
            "offline": tvs.total - online.total,
            "tvs": tvs.total,
            "live": live,
            "expiring": expiring,
            "failed": failed,
        },
        tvs=[(tv, names.get(tv.condominium_id, ""), states[tv.id]) for tv in tvs.items],
        expiring=expiring_lines,
        failed=failed_lines,
        condominiums=await lookups.writable_condominiums(session, user=user),
    )
