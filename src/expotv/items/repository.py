"""The item queries, for any kind (``select()`` builders; nothing here executes).

These conditions are the only place that decides visibility and the list filters,
and liveness comes from the model's hybrids (``expotv.content``), so a list, its
total and the quota count agree with what a single read shows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    Select,
    Update,
    case,
    exists,
    func,
    select,
    true,
    update,
)
from sqlalchemy.orm import selectinload

from expotv.auth import policy
from expotv.condominiums.models import Condominium
from expotv.content import ContentStatus
from expotv.items.kind import ContentKind
from expotv.items.models import ContentItem
from expotv.tvs.models import TV
from expotv.users.models import User

ItemT = TypeVar("ItemT", bound=ContentItem)


@dataclass(frozen=True, slots=True)
class ItemFilters:
    condominium_id: int | None = None
    status: ContentStatus | None = None
    query: str | None = None


def visible_to(model: type[ContentItem], user: User) -> ColumnElement[bool]:
    """Items targeting at least one condomínio the user may read."""
    readable = policy.readable_condominium_ids(user)
    if readable is None:
        return true()
    item_id, condominium_id = model.link_columns()
    return exists().where(item_id == model.id, condominium_id.in_(readable))


def targeting(
    model: type[ContentItem], condominium_id: int, user: User
) -> ColumnElement[bool]:
    """Items targeting ``condominium_id``, only when the user may read it (so a
    filter by another tenant's condomínio gives an empty page, not a hint)."""
    item_id, target_id = model.link_columns()
    conditions = [item_id == model.id, target_id == condominium_id]
    readable = policy.readable_condominium_ids(user)
    if readable is not None:
        conditions.append(target_id.in_(readable))
    return exists().where(*conditions)


def _loaded(kind: ContentKind[ItemT, Any, Any, Any]) -> Select[ItemT]:
    model = kind.model
    relations = (model.condominiums, model.tvs, *kind.loads)
    return select(model).options(*(selectinload(r) for r in relations))


def _listed(kind: ContentKind[ItemT, Any, Any, Any]) -> Select[ItemT]:
    """As ``_loaded``, for a read-only page: of the targets only what the response
    shows (their ids; a TV's condomínio, for visibility), not whole rows."""
    model = kind.model
    return select(model).options(
        selectinload(model.condominiums).load_only(Condominium.id),
        selectinload(model.tvs).load_only(TV.id, TV.condominium_id),
        *(selectinload(r) for r in kind.loads),
    )


def _selected(
    model: type[ContentItem], user: User, filters: ItemFilters, now: datetime
) -> list[ColumnExpressionArgument[bool]]:
    conditions: list[ColumnExpressionArgument[bool]] = [visible_to(model, user)]
    if filters.condominium_id is not None:
        conditions.append(targeting(model, filters.condominium_id, user))
    if filters.status is not None:
        conditions.append(model.shows_status(filters.status, now))
    if filters.query:
        conditions.append(model.name.icontains(filters.query, autoescape=True))
    return conditions


def list_visible(
    kind: ContentKind[ItemT, Any, Any, Any],
    user: User,
    filters: ItemFilters,
    *,
    now: datetime,
) -> Select[ItemT]:
    model = kind.model
    return _listed(kind).where(*_selected(model, user, filters, now)).order_by(model.id)


def count_visible(
    kind: ContentKind[Any, Any, Any, Any],
    user: User,
    filters: ItemFilters,
    *,
    now: datetime,
) -> Select[int]:
    """The total of ``list_visible`` (one row, no subquery of every column)."""
    model = kind.model
    return select(func.count(model.id)).where(*_selected(model, user, filters, now))


def next_change(
    kind: ContentKind[Any, Any, Any, Any],
    user: User,
    filters: ItemFilters,
    *,
    now: datetime,
) -> Select[tuple[datetime | None, datetime | None]]:
    """The nearest ``data_inicio`` and ``data_expiracao`` still ahead among the
    items the filters but ``status`` keep: until then a status filter selects
    the same items."""
    model = kind.model
    unfiltered = ItemFilters(condominium_id=filters.condominium_id, query=filters.query)
    return select(
        func.min(case((model.starts_at > now, model.starts_at))),
        func.min(case((model.expires_at > now, model.expires_at))),
    ).where(*_selected(model, user, unfiltered, now))


def get_visible(
    kind: ContentKind[ItemT, Any, Any, Any],
    user: User,
    item_id: int,
    *,
    for_update: bool = False,
) -> Select[ItemT]:
    model = kind.model
    query = _loaded(kind).where(model.id == item_id, visible_to(model, user))
    # Locking serialises concurrent changes of one item (media replaced twice).
    return query.with_for_update() if for_update else query


def count_live_created_by(
    model: type[ContentItem],
    user_id: int,
    now: datetime,
    *,
    exclude_id: int | None = None,
) -> Select[int]:
    query = select(func.count(model.id)).where(
        model.created_by_id == user_id, model.is_live(now)
    )
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return query


def writable_condominiums(user: User, ids: Collection[int]) -> Select[Condominium]:
    """The condomínios among ``ids`` the user may target with an item."""
    query = select(Condominium).where(Condominium.id.in_(sorted(ids)))
    return policy.writable_only(query, Condominium.id, user).order_by(Condominium.id)


def visible_tvs(user: User, tv_ids: Collection[int]) -> Select[TV]:
    """The TVs among ``tv_ids`` the user may see (those in condomínios it reads)."""
    query = select(TV).where(TV.id.in_(sorted(tv_ids)))
    return policy.readable_only(query, TV.condominium_id, user).order_by(TV.id)


def switch_off(
    model: type[ContentItem], *conditions: ColumnElement[bool]
) -> tuple[Update, Update]:
    """Items matching ``conditions`` become ``inativo``: asked for, and at once when
    ``ativo`` (one still being converted ends ``inativo``; expired and failed items
    keep their status). For items left with nothing to play on."""
    asked = (
        update(model)
        .where(*conditions)
        .values(requested_status=ContentStatus.INACTIVE)
        .execution_options(synchronize_session=False)
    )
    now_off = (
        update(model)
        .where(*conditions, model.status == ContentStatus.ACTIVE)
        .values(status=ContentStatus.INACTIVE)
        .execution_options(synchronize_session=False)
    )
    return asked, now_off
