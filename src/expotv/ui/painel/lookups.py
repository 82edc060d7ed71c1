"""Names for display and choices for forms, read through the permission rules.

Only what a page prints beside an object it already may show (a TV's condomínio
name) or offers in a form (the condomínios a person may target), decided by the
same ``auth.policy`` queries the services use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.auth import policy
from expotv.condominiums.models import Condominium
from expotv.users.models import Role, User


@dataclass(frozen=True, slots=True)
class Choice:
    id: int
    name: str


async def condominium_names(
    session: AsyncSession, ids: Iterable[int], *, user: User
) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    query = select(Condominium.id, Condominium.name).where(Condominium.id.in_(wanted))
    readable = policy.readable_condominium_ids(user)
    if readable is not None:
        query = query.where(Condominium.id.in_(readable))
    return {row.id: row.name for row in await session.execute(query)}


async def readable_condominiums(session: AsyncSession, *, user: User) -> list[Choice]:
    query = select(Condominium.id, Condominium.name)
    readable = policy.readable_condominium_ids(user)
    if readable is not None:
        query = query.where(Condominium.id.in_(readable))
    rows = await session.execute(query.order_by(Condominium.name, Condominium.id))
    return [Choice(row.id, row.name) for row in rows]


async def writable_condominiums(session: AsyncSession, *, user: User) -> list[Choice]:
    if user.role is Role.VIEWER:
        return []
    query = select(Condominium.id, Condominium.name)
    writable = policy.writable_condominium_ids(user)
    if writable is not None:
        query = query.where(Condominium.id.in_(writable))
    rows = await session.execute(query.order_by(Condominium.name, Condominium.id))
    return [Choice(row.id, row.name) for row in rows]


async def user_names(
    session: AsyncSession, ids: Iterable[int], *, user: User
) -> dict[int, str]:
    """Names of these users, as far as ``user`` may know them.

    The Master knows every account; anyone else only its own name (the API shows
    other accounts to the Master only).
    """
    wanted = set(ids)
    if user.role is not Role.ADMIN:
        return {user.id: user.name} if user.id in wanted else {}
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(wanted)))
    return {row.id: row.name for row in rows}


async def managers(session: AsyncSession) -> list[Choice]:
    """Every Síndico (the Master's choices for a condomínio's ``sindico_id``)."""
    rows = await session.execute(
        select(User.id, User.name)
        .where(User.role == Role.MANAGER)
        .order_by(User.name, User.id)
    )
    return [Choice(row.id, row.name) for row in rows]
