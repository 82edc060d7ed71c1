from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.auth.policy import readable_only
from expotv.items import repository as items_repository
from expotv.items.kinds import MODELS as ITEM_MODELS
from expotv.queries import text_match
from expotv.tvs.codes import CODE_LENGTH, normalize_code
from expotv.tvs.models import TV, TVStatus
from expotv.users.models import User


async def get_by_code(session: AsyncSession, code: str) -> TV | None:
    """The TV with this code, in any case (the TV app's identity)."""
    normalized = normalize_code(code)
    if not normalized or len(normalized) > CODE_LENGTH:
        return None
    return await session.scalar(select(TV).where(TV.code == normalized))


async def code_exists(session: AsyncSession, code: str) -> bool:
    found = await session.scalar(select(TV.id).where(TV.code == normalize_code(code)))
    return found is not None


@dataclass(frozen=True, slots=True)
class TVFilters:
    """A list's filters (REST's and GraphQL's query parameters); None: any."""

    condominium_id: int | None = None
    status: TVStatus | None = None
    text: str | None = None


def visible_to(user: User) -> Select[TV]:
    """TVs in the condomínios ``user`` may read."""
    return readable_only(select(TV), TV.condominium_id, user)


def search(query: Select[TV], text: str) -> Select[TV]:
    return query.where(text_match(text, TV.name, TV.code))


async def get_visible(session: AsyncSession, tv_id: int, user: User) -> TV | None:
    return await session.scalar(visible_to(user).where(TV.id == tv_id))


async def codes_in_condominium(session: AsyncSession, condominium_id: int) -> list[str]:
    """The codes of a condomínio's TVs, locked until the transaction ends."""
    codes = await session.scalars(
        select(TV.code)
        .where(TV.condominium_id == condominium_id)
        .order_by(TV.id)
        .with_for_update()
    )
    return list(codes)


async def ids_in_condominium(session: AsyncSession, condominium_id: int) -> list[int]:
    ids = await session.scalars(
        select(TV.id).where(TV.condominium_id == condominium_id).order_by(TV.id)
    )
    return list(ids)


async def delete_in_condominium(session: AsyncSession, condominium_id: int) -> None:
    await session.execute(delete(TV).where(TV.condominium_id == condominium_id))


async def detach_items(
    session: AsyncSession,
    tv_ids: Collection[int],
    *,
    moving_to: int | None = None,
) -> None:
    """Take these TVs out of every anúncio's and aviso's ``tvs_ids``: they are
    deleted, or (``moving_to``) move to a condomínio the item does not target.

    An item left with no TV of its own is switched off (``inativo``), as one left
    with no condomínio is: an empty ``tvs_ids`` means every TV, and an anúncio
    meant for the elevator must not spread to the whole building.
    """
    for model in ITEM_MODELS:
        item_column, tv_column = model.tv_link_columns()
        link = model.tv_link
        leaving: ColumnElement[bool] = tv_column.in_(sorted(tv_ids))
        if moving_to is not None:
            own_column, target_column = model.link_columns()
            leaving = and_(
                leaving,
                ~exists().where(own_column == item_column, target_column == moving_to),
            )
        affected = list(
            await session.scalars(select(item_column).where(leaving).distinct())
        )
        if not affected:
            continue
        await session.execute(
            delete(link).where(item_column.in_(affected), tv_column.in_(sorted(tv_ids)))
        )
        for statement in items_repository.switch_off(
            model,
            model.id.in_(affected),
            ~exists().where(item_column == model.id),
        ):
            await session.execute(statement)
