"""Condomínios: who sees and changes them, the Síndico's quota, forced deletes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import MISSING
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.auth.policy import ensure_can_write, quota_lock_statement
from expotv.condominiums import repository
from expotv.condominiums.exceptions import (
    CondominiumHasTVs,
    CondominiumNotFound,
    CondominiumQuotaExceeded,
    ForceDeleteForbidden,
    InvalidManager,
    ManagerMustBeSelf,
)
from expotv.condominiums.models import Condominium
from expotv.condominiums.schemas import (
    CondominiumCreate,
    CondominiumRead,
    CondominiumTV,
    CondominiumUpdate,
)
from expotv.errors import found
from expotv.pagination import PageParams, PageResult, paginate
from expotv.playlist.invalidation import content_changed
from expotv.tvs import repository as tv_repository
from expotv.tvs.presence import Presence
from expotv.users.models import Role, User


def to_read(
    condominium: Condominium,
    *,
    now: datetime,
    presence: Presence,
    pending: Mapping[int, datetime],
    default_zone: str,
) -> CondominiumRead:
    """``pending``: its TVs' pings not written yet (``presence.pending``);
    ``default_zone``: EXPOTV_TIMEZONE, for one without a fuso_horario."""
    return CondominiumRead(
        id=condominium.id,
        name=condominium.name,
        address=condominium.address,
        manager_id=condominium.manager_id,
        timezone=condominium.timezone or default_zone,
        tvs=[
            CondominiumTV(
                id=tv.id,
                code=tv.code,
                name=tv.name,
                status=presence.status(tv, now, pending),
            )
            for tv in condominium.tvs
        ],
        created_at=condominium.created_at,
        updated_at=condominium.updated_at,
    )


async def read(
    condominium: Condominium, *, now: datetime, presence: Presence, default_zone: str
) -> CondominiumRead:
    pending = await presence.pending(condominium.tvs)
    return to_read(
        condominium,
        now=now,
        presence=presence,
        pending=pending,
        default_zone=default_zone,
    )


async def list_visible(
    session: AsyncSession,
    *,
    user: User,
    params: PageParams,
    text: str | None = None,
    manager_id: int | None = None,
) -> PageResult[Condominium]:
    query = repository.visible_to(user)
    if manager_id is not None:
        query = query.where(Condominium.manager_id == manager_id)
    if text:
        query = repository.search(query, text)
    return await paginate(session, query.order_by(Condominium.id), params)


async def get_visible(
    session: AsyncSession, condominium_id: int, *, user: User
) -> Condominium:
    condominium = await repository.get_visible(session, condominium_id, user)
    return found(condominium, CondominiumNotFound)


async def _check_manager(session: AsyncSession, manager_id: int) -> None:
    if not await repository.is_manager(session, manager_id):
        raise InvalidManager()


async def _ensure_quota(session: AsyncSession, user: User) -> None:
    # Serialise this Síndico's creates so two requests can't take the last slot.
    await session.execute(quota_lock_statement(user.id))
    if await repository.count_managed(session, user.id) >= user.condominium_limit:
        raise CondominiumQuotaExceeded(limit=user.condominium_limit)


async def create(
    session: AsyncSession, data: CondominiumCreate, *, user: User
) -> Condominium:
    ensure_can_write(user)
    manager_sent = "manager_id" in data.model_fields_set
    if user.role is Role.MANAGER:
        if manager_sent and data.manager_id != user.id:
            raise ManagerMustBeSelf()
        await _ensure_quota(session, user)
        manager_id: int | None = user.id
    else:
        manager_id = data.manager_id
        if manager_id is not None:
            await _check_manager(session, manager_id)
    condominium = Condominium(
        name=data.name,
        address=data.address or "",
        manager_id=manager_id,
        timezone=data.timezone,
        tvs=[],
    )
    session.add(condominium)
    await session.flush()
    return condominium


async def update(
    session: AsyncSession,
    condominium: Condominium,
    changes: CondominiumUpdate,
    *,
    user: User,
) -> Condominium:
    ensure_can_write(user)
    manager_id = changes.manager_id
    if manager_id is not MISSING:
        if user.role is Role.MANAGER:
            # Its own condomínio's síndico is always itself: it can't hand it over.
            if manager_id != user.id:
                raise ManagerMustBeSelf()
        elif manager_id is not None:
            await _check_manager(session, manager_id)
        condominium.manager_id = manager_id
    if changes.name is not MISSING and changes.name != condominium.name:
        condominium.name = changes.name
        # The TVs' content body carries the condomínio's name (`condominio_nome`).
        content_changed(session, condominium_ids=[condominium.id])
    if changes.address is not MISSING:
        condominium.address = changes.address or ""
    timezone = changes.timezone
    if timezone is not MISSING and timezone != condominium.timezone:
        # None: back to EXPOTV_TIMEZONE. Windows are read in it, and valido_ate
        # is shown with its offset.
        condominium.timezone = timezone
        content_changed(session, condominium_ids=[condominium.id])
    await session.flush()
    return condominium


async def delete(
    session: AsyncSession, condominium: Condominium, *, user: User, force: bool
) -> None:
    """Delete a condomínio; with ``force`` (Master only) its TVs go too.

    Its anúncios and avisos lose this target, and those left with none are
    switched off (see ``repository.detach_items``).
    """
    ensure_can_write(user)
    if force and user.role is not Role.ADMIN:
        raise ForceDeleteForbidden()
    condominium_id = condominium.id
    codes: list[str] = []
    if force:
        codes = await tv_repository.codes_in_condominium(session, condominium_id)
        await tv_repository.detach_items(
            session, await tv_repository.ids_in_condominium(session, condominium_id)
        )
        await tv_repository.delete_in_condominium(session, condominium_id)
    await repository.detach_items(session, condominium_id)
    # Checked by the delete itself, so a TV added meanwhile is never swept away.
    if not await repository.delete_unless_it_has_tvs(session, condominium_id):
        raise CondominiumHasTVs()
    # The TVs' rows are gone after the commit: they are named by code.
    content_changed(session, condominium_ids=[condominium_id], tv_codes=codes)
