from __future__ import annotations

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.auth.policy import readable_condominium_ids
from expotv.tvs.codes import CODE_LENGTH, normalize_code
from expotv.tvs.models import TV
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


def visible_to(user: User) -> Select[TV]:
    """TVs in the condomínios ``user`` may read."""
    query = select(TV)
    readable = readable_condominium_ids(user)
    if readable is not None:
        query = query.where(TV.condominium_id.in_(readable))
    return query


def search(query: Select[TV], text: str) -> Select[TV]:
    needle = text.strip().lower()
    return query.where(
        or_(
            func.lower(TV.name).contains(needle, autoescape=True),
            func.lower(TV.code).contains(needle, autoescape=True),
        )
    )


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


async def delete_in_condominium(session: AsyncSession, condominium_id: int) -> None:
    await session.execute(delete(TV).where(TV.condominium_id == condominium_id))
