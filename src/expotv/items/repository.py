"""SQL pieces shared by the ads and notices repositories.

Each domain describes its table once (``ItemTable``); the conditions here are the
only place that decides visibility, expiry and the list filters, so a list, its
total and the quota count agree with what a single read shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    exists,
    func,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.schema import Column

from expotv.auth import policy
from expotv.content import ContentStatus, ExpiringMixin
from expotv.users.models import User

Q = TypeVar("Q", bound=Select[Any])


@dataclass(frozen=True, slots=True)
class ItemTable:
    model: type[ExpiringMixin]
    id: InstrumentedAttribute[int]
    name: InstrumentedAttribute[str]
    status: InstrumentedAttribute[ContentStatus]
    expires_at: InstrumentedAttribute[datetime | None]
    created_by_id: InstrumentedAttribute[int | None]
    # The association table item <-> condomínio.
    link_item_id: Column[Any]
    link_condominium_id: Column[Any]


@dataclass(frozen=True, slots=True)
class ItemFilters:
    condominium_id: int | None = None
    status: ContentStatus | None = None
    query: str | None = None


def visible_to(table: ItemTable, user: User) -> ColumnElement[bool]:
    """Items targeting at least one condomínio the user may read."""
    readable = policy.readable_condominium_ids(user)
    if readable is None:
        return true()
    return exists().where(
        table.link_item_id == table.id,
        table.link_condominium_id.in_(readable),
    )


def targeting(table: ItemTable, condominium_id: int, user: User) -> ColumnElement[bool]:
    """Items targeting ``condominium_id``, only when the user may read it (so a
    filter by another tenant's condomínio gives an empty page, not a hint)."""
    readable = policy.readable_condominium_ids(user)
    conditions = [
        table.link_item_id == table.id,
        table.link_condominium_id == condominium_id,
    ]
    if readable is not None:
        conditions.append(table.link_condominium_id.in_(readable))
    return exists().where(*conditions)


def filtered(
    query: Q, table: ItemTable, *, user: User, filters: ItemFilters, now: datetime
) -> Q:
    query = query.where(visible_to(table, user))
    if filters.condominium_id is not None:
        query = query.where(targeting(table, filters.condominium_id, user))
    if filters.status is not None:
        query = query.where(table.model.shows_status(filters.status, now))
    if filters.query:
        query = query.where(table.name.icontains(filters.query, autoescape=True))
    return query.order_by(table.id)


def count_live_created_by(
    table: ItemTable, user_id: int, now: datetime, *, exclude_id: int | None = None
) -> Select[int]:
    query = select(func.count(table.id)).where(
        table.created_by_id == user_id, table.model.is_live(now)
    )
    if exclude_id is not None:
        query = query.where(table.id != exclude_id)
    return query
