"""Names for display and choices for forms, read through the permission rules.

Only what a page prints beside an object it already may show (a TV's condomínio
name) or offers in a form (the condomínios a person may target), decided by the
same ``auth.policy`` queries the services use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.auth import policy
from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.timezones import zone_of
from expotv.tvs.models import TV
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


async def _condominium_choices(
    session: AsyncSession, allowed: Select[int] | None
) -> list[Choice]:
    """Condomínios by name, among ``allowed`` ids (None: all of them)."""
    query = select(Condominium.id, Condominium.name)
    if allowed is not None:
        query = query.where(Condominium.id.in_(allowed))
    rows = await session.execute(query.order_by(Condominium.name, Condominium.id))
    return [Choice(row.id, row.name) for row in rows]


async def readable_condominiums(session: AsyncSession, *, user: User) -> list[Choice]:
    allowed = policy.readable_condominium_ids(user)
    return await _condominium_choices(session, allowed)


async def writable_condominiums(session: AsyncSession, *, user: User) -> list[Choice]:
    if user.role is Role.VIEWER:
        return []
    return await _condominium_choices(session, policy.writable_condominium_ids(user))


async def zone_for(
    session: AsyncSession,
    *,
    user: User,
    settings: Settings,
    condominium_ids: Iterable[int] | None = None,
) -> ZoneInfo:
    """The zone dates are shown and typed in: the one ``fuso_horario`` these
    condomínios (by default, all the person may read) share, else
    ``EXPOTV_TIMEZONE``. A condomínio without one follows ``EXPOTV_TIMEZONE``."""
    query = select(Condominium.timezone).distinct()
    if condominium_ids is not None:
        wanted = set(condominium_ids)
        if not wanted:
            return settings.zone
        query = query.where(Condominium.id.in_(wanted))
    readable = policy.readable_condominium_ids(user)
    if readable is not None:
        query = query.where(Condominium.id.in_(readable))
    names = {name or settings.timezone for name in await session.scalars(query)}
    if len(names) != 1:
        return settings.zone
    return zone_of(names.pop())


@dataclass(frozen=True, slots=True)
class Screen:
    id: int
    name: str
    condominium_id: int
    condominium: str


async def writable_tvs(session: AsyncSession, *, user: User) -> list[Screen]:
    """The TVs of the condomínios the person may target (an item's ``tvs_ids``)."""
    if user.role is Role.VIEWER:
        return []
    query = select(TV.id, TV.name, TV.condominium_id, Condominium.name.label("c")).join(
        Condominium, Condominium.id == TV.condominium_id
    )
    writable = policy.writable_condominium_ids(user)
    if writable is not None:
        query = query.where(TV.condominium_id.in_(writable))
    rows = await session.execute(query.order_by(Condominium.name, TV.name, TV.id))
    return [Screen(r.id, r.name, r.condominium_id, r.c) for r in rows]


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
