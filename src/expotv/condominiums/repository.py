from __future__ import annotations

from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Select,
    delete,
    exists,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from expotv.auth.policy import readable_only, writable_only
from expotv.condominiums.models import Condominium
from expotv.items import repository as items_repository
from expotv.items.kinds import MODELS as ITEM_MODELS
from expotv.items.models import ContentItem
from expotv.queries import text_match
from expotv.tvs.models import TV
from expotv.users.models import Role, User


def visible_to(user: User) -> Select[Condominium]:
    """Condomínios ``user`` may read, with their TVs."""
    query = select(Condominium).options(selectinload(Condominium.tvs))
    return readable_only(query, Condominium.id, user)


def search(query: Select[Condominium], text: str) -> Select[Condominium]:
    return query.where(text_match(text, Condominium.name, Condominium.address))


async def get_visible(
    session: AsyncSession, condominium_id: int, user: User
) -> Condominium | None:
    return await session.scalar(
        visible_to(user).where(Condominium.id == condominium_id)
    )


def _by_id(condominium_id: int) -> Select[int]:
    return select(Condominium.id).where(Condominium.id == condominium_id)


async def is_visible(session: AsyncSession, condominium_id: int, user: User) -> bool:
    query = readable_only(_by_id(condominium_id), Condominium.id, user)
    return await session.scalar(query) is not None


async def is_writable(session: AsyncSession, condominium_id: int, user: User) -> bool:
    query = writable_only(_by_id(condominium_id), Condominium.id, user)
    return await session.scalar(query) is not None


async def count_managed(session: AsyncSession, manager_id: int) -> int:
    """How many condomínios ``manager_id`` is síndico of, read past any snapshot.

    A locking read: under MariaDB's REPEATABLE READ a plain read would reuse the
    snapshot taken by the request's first query and miss a concurrent create that
    committed while this transaction waited for the quota lock.
    """
    ids = await session.scalars(
        select(Condominium.id)
        .where(Condominium.manager_id == manager_id)
        .with_for_update()
    )
    return len(ids.all())


async def is_manager(session: AsyncSession, user_id: int) -> bool:
    found = await session.scalar(
        select(User.id).where(User.id == user_id, User.role == Role.MANAGER)
    )
    return found is not None


async def delete_unless_it_has_tvs(session: AsyncSession, condominium_id: int) -> bool:
    """Delete the condomínio in one statement if no TV is in it; False otherwise.

    A bulk delete: the ORM would also try to unlink TVs it had loaded.
    """
    result = await session.execute(
        delete(Condominium)
        .where(
            Condominium.id == condominium_id,
            ~exists().where(TV.condominium_id == condominium_id),
        )
        .execution_options(synchronize_session=False)
    )
    deleted: int = cast("CursorResult[Any]", result).rowcount
    return deleted == 1


async def detach_items(session: AsyncSession, condominium_id: int) -> None:
    """Remove the condomínio from every anúncio's and aviso's targets.

    Items left with no target are switched off (``inativo``) rather than deleted:
    their creator may retarget them. One still being converted keeps converting and
    ends ``inativo``. Expired and failed items keep their status.
    """
    for model in ITEM_MODELS:
        await _detach(session, model, condominium_id)


async def _detach(
    session: AsyncSession, model: type[ContentItem], condominium_id: int
) -> None:
    item_column, target_column = model.link_columns()
    affected = list(
        await session.scalars(
            select(item_column).where(target_column == condominium_id)
        )
    )
    if not affected:
        return
    await session.execute(
        delete(model.condominium_link).where(target_column == condominium_id)
    )
    for statement in items_repository.switch_off(
        model, model.id.in_(affected), ~exists().where(item_column == model.id)
    ):
        await session.execute(statement)
