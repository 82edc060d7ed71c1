"""Accounts: public sign-up, the Master's user management, the first Master.

Level changes keep the data consistent with the permission table: a user who
stops being a Visitante loses its assigned condomínios, one who stops being a
Síndico leaves its condomínios without a síndico. ``condominios_ids`` is only
written for Visitantes (a Síndico's condomínios are set through the condomínio's
``sindico_id``).

A Master can not lock itself out: deactivating, deleting or demoting oneself is a
409, so there is always at least one active Master (the caller).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import MISSING
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.auth import service as auth_service
from expotv.auth import sessions as auth_sessions
from expotv.auth.ratelimit import RegistrationThrottle
from expotv.auth.schemas import RegisterRequest
from expotv.condominiums.exceptions import CondominiumNotFound
from expotv.config import Settings
from expotv.errors import found
from expotv.pagination import PageParams, PageResult, paginate
from expotv.users import repository
from expotv.users.exceptions import (
    EmailTaken,
    OwnAccountProtected,
    RegistrationDisabled,
    UserNotFound,
)
from expotv.users.models import Role, User
from expotv.users.schemas import ROLE_BY_LEVEL, UserCreate, UserRead, UserUpdate


async def get(session: AsyncSession, user_id: int) -> User:
    return found(await session.get(User, user_id), UserNotFound)


async def list_users(
    session: AsyncSession,
    *,
    params: PageParams,
    role: Role | None = None,
    text: str | None = None,
    is_active: bool | None = None,
) -> PageResult[User]:
    query = repository.users_query(role=role, text=text, is_active=is_active)
    return await paginate(session, query, params)


async def condominium_ids(
    session: AsyncSession, users: Sequence[User]
) -> dict[int, list[int]]:
    """``condominios_ids`` for each user (see ``UserRead``)."""
    return await repository.condominium_ids_by_user(session, users)


async def read(session: AsyncSession, user: User) -> UserRead:
    """One user as the API shows it (its ``condominios_ids`` loaded)."""
    ids = await condominium_ids(session, [user])
    return UserRead.build(user, ids[user.id])


async def register(
    session: AsyncSession,
    data: RegisterRequest,
    *,
    settings: Settings,
    throttle: RegistrationThrottle,
    address: str,
) -> User:
    """Public sign-up: always a Visitante without condomínios.

    Each call that gets as far as hashing the password counts for the client
    ``address`` (``throttle``): hashing is what makes a sign-up flood expensive.
    """
    if not settings.allow_registration:
        raise RegistrationDisabled()
    await throttle.hit(address=address)
    return await _insert(
        session, data.password, name=data.name, email=data.email, role=Role.VIEWER
    )


async def create(session: AsyncSession, data: UserCreate) -> User:
    role = ROLE_BY_LEVEL[data.level]
    wanted = set(data.condominium_ids) if role is Role.VIEWER else set()
    await _ensure_condominiums_exist(session, wanted)
    user = await _insert(
        session,
        data.password,
        name=data.name,
        email=data.email,
        role=role,
        is_active=data.is_active,
        ad_limit=data.ad_limit,
        notice_limit=data.notice_limit,
        condominium_limit=data.condominium_limit,
    )
    if wanted:
        await repository.replace_viewer_condominiums(session, user.id, wanted)
    return user


async def create_admin(
    session: AsyncSession, *, name: str, email: str, password: str
) -> User:
    """A Master (command line and start-up bootstrap); inputs already validated."""
    return await _insert(session, password, name=name, email=email, role=Role.ADMIN)


async def _insert(session: AsyncSession, password: str, **fields: Any) -> User:
    """A new user with ``fields``, its ``password`` hashed off the event loop."""
    user = User(password_hash=await auth_service.hash_in_thread(password), **fields)
    if await repository.email_exists(session, user.email):
        raise EmailTaken()
    session.add(user)
    await _flush_unique_email(session)
    return user


async def update(
    session: AsyncSession,
    user: User,
    changes: UserUpdate,
    *,
    actor: User,
    actor_session_id: str | None,
    now: datetime,
) -> User:
    new_role = ROLE_BY_LEVEL[changes.level] if changes.level is not MISSING else None
    is_self = user.id == actor.id
    if is_self and (
        changes.is_active is False or (new_role is not None and new_role != user.role)
    ):
        raise OwnAccountProtected()

    # Cached sessions carry the user's row (role, limits, ...): retire them.
    auth_sessions.user_changed(session, user.id)
    if changes.email is not MISSING and changes.email != user.email:
        if await repository.email_exists(
            session, changes.email, except_user_id=user.id
        ):
            raise EmailTaken()
        user.email = changes.email
    changes.copy_sent(user, "name", "ad_limit", "notice_limit", "condominium_limit")

    old_role = user.role
    if new_role is not None and new_role != old_role:
        if old_role is Role.VIEWER:
            await repository.replace_viewer_condominiums(session, user.id, ())
        elif old_role is Role.MANAGER:
            await repository.release_managed_condominiums(session, user.id)
        user.role = new_role
    if user.role is Role.VIEWER and changes.condominium_ids is not MISSING:
        await _assign_condominiums(session, user, changes.condominium_ids)

    revoke = False
    if changes.password is not MISSING:
        user.password_hash = await auth_service.hash_in_thread(changes.password)
        revoke = True
    if changes.is_active is not MISSING:
        if user.is_active and not changes.is_active:
            revoke = True
        user.is_active = changes.is_active
    if revoke:
        await auth_service.revoke_user_sessions(
            session,
            user_id=user.id,
            now=now,
            # A Master changing its own password here keeps the session it uses.
            keep_session_id=actor_session_id if is_self else None,
        )
    await _flush_unique_email(session)
    return user


async def _flush_unique_email(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError:  # a concurrent write took the email first
        raise EmailTaken() from None


async def _assign_condominiums(
    session: AsyncSession, user: User, condominium_ids: Iterable[int]
) -> None:
    wanted = set(condominium_ids)
    await _ensure_condominiums_exist(session, wanted)
    await repository.replace_viewer_condominiums(session, user.id, wanted)


async def _ensure_condominiums_exist(
    session: AsyncSession, condominium_ids: set[int]
) -> None:
    missing = await repository.missing_condominium_ids(session, condominium_ids)
    if missing:
        raise CondominiumNotFound(
            f"condomínio não encontrado: {', '.join(map(str, sorted(missing)))}"
        )


async def delete(session: AsyncSession, user: User, *, actor: User) -> None:
    """Delete a user: its sessions go with it, so its tokens stop working at once."""
    if user.id == actor.id:
        raise OwnAccountProtected()
    user_id = user.id
    session.expunge(user)
    await repository.delete_user(session, user_id)
    auth_sessions.user_changed(session, user_id)
