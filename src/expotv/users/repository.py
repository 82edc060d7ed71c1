from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Select, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.condominiums.models import Condominium
from expotv.queries import is_taken, text_match
from expotv.users.models import Role, User, viewer_condominium


def users_query(
    *, role: Role | None = None, text: str | None = None, is_active: bool | None = None
) -> Select[User]:
    query = select(User).order_by(User.id)
    if role is not None:
        query = query.where(User.role == role)
    if is_active is not None:
        query = query.where(User.is_active.is_(is_active))
    if text:
        query = query.where(text_match(text, User.name, User.email))
    return query


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    """``email`` must already be normalised (stored emails are lower-case)."""
    return await session.scalar(select(User).where(User.email == email))


async def email_exists(
    session: AsyncSession, email: str, *, except_user_id: int | None = None
) -> bool:
    return await is_taken(session, User.email, email, except_id=except_user_id)


async def admin_exists(session: AsyncSession) -> bool:
    query = select(User.id).where(User.role == Role.ADMIN).limit(1)
    return (await session.scalar(query)) is not None


async def condominium_ids_by_user(
    session: AsyncSession, users: Sequence[User]
) -> dict[int, list[int]]:
    """Each user's ``condominios_ids``, in two queries for a whole page."""
    result: dict[int, list[int]] = defaultdict(list)
    viewers = [u.id for u in users if u.role is Role.VIEWER]
    managers = [u.id for u in users if u.role is Role.MANAGER]
    if viewers:
        rows = await session.execute(
            select(viewer_condominium.c.user_id, viewer_condominium.c.condominium_id)
            .where(viewer_condominium.c.user_id.in_(viewers))
            .order_by(viewer_condominium.c.condominium_id)
        )
        for user_id, condominium_id in rows:
            result[user_id].append(condominium_id)
    if managers:
        rows = await session.execute(
            select(Condominium.manager_id, Condominium.id)
            .where(Condominium.manager_id.in_(managers))
            .order_by(Condominium.id)
        )
        for manager_id, condominium_id in rows:
            if manager_id is not None:
                result[manager_id].append(condominium_id)
    return {u.id: result.get(u.id, []) for u in users}


async def missing_condominium_ids(
    session: AsyncSession, ids: Iterable[int]
) -> set[int]:
    wanted = set(ids)
    if not wanted:
        return set()
    found = await session.scalars(
        select(Condominium.id).where(Condominium.id.in_(wanted))
    )
    return wanted - set(found)


async def replace_viewer_condominiums(
    session: AsyncSession, user_id: int, condominium_ids: Iterable[int]
) -> None:
    await session.execute(
        delete(viewer_condominium).where(viewer_condominium.c.user_id == user_id)
    )
    rows = [{"user_id": user_id, "condominium_id": c} for c in sorted(condominium_ids)]
    if rows:
        await session.execute(insert(viewer_condominium), rows)


async def release_managed_condominiums(session: AsyncSession, user_id: int) -> None:
    """The condomínios this user was síndico of are left without a síndico."""
    await session.execute(
        update(Condominium)
        .where(Condominium.manager_id == user_id)
        .values(manager_id=None)
        .execution_options(synchronize_session=False)
    )


async def delete_user(session: AsyncSession, user_id: int) -> None:
    # A Core delete: the database's ON DELETE rules take the sessions, the
    # assignments and the síndico links along (the ORM would try to load them).
    await session.execute(
        delete(User)
        .where(User.id == user_id)
        .execution_options(synchronize_session=False)
    )
