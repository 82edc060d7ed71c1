from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from expotv.ads.models import Ad, ad_condominium
from expotv.items import repository as items_repo
from expotv.users.models import User

TABLE = items_repo.ItemTable(
    model=Ad,
    id=Ad.id,
    name=Ad.name,
    status=Ad.status,
    expires_at=Ad.expires_at,
    created_by_id=Ad.created_by_id,
    link_item_id=ad_condominium.c.ad_id,
    link_condominium_id=ad_condominium.c.condominium_id,
)


def _with_targets() -> Select[Ad]:
    return select(Ad).options(selectinload(Ad.condominiums))


def list_visible(
    user: User, filters: items_repo.ItemFilters, *, now: datetime
) -> Select[Ad]:
    return items_repo.filtered(
        _with_targets(), TABLE, user=user, filters=filters, now=now
    )


def get_visible(user: User, ad_id: int, *, for_update: bool = False) -> Select[Ad]:
    query = _with_targets().where(Ad.id == ad_id, items_repo.visible_to(TABLE, user))
    # Locking serialises concurrent changes of one ad (media replaced twice).
    return query.with_for_update() if for_update else query
