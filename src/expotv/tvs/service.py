"""TV management: codes, proportions, computed status and who may change what.

A TV's ``status`` is computed on read by the one rule of ``presence`` (its last
ping, written or still pending, within ``tv_offline_after_seconds``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.auth.policy import ensure_can_write
from expotv.condominiums import repository as condominium_repository
from expotv.condominiums.exceptions import CondominiumNotFound
from expotv.errors import found
from expotv.pagination import PageParams, PageResult, paginate
from expotv.playlist.invalidation import content_changed
from expotv.tvs import repository
from expotv.tvs.codes import generate_code
from expotv.tvs.exceptions import InvalidRatios, TVCodeUnavailable, TVNotFound
from expotv.tvs.models import TV
from expotv.tvs.presence import Presence, last_seen
from expotv.tvs.repository import TVFilters
from expotv.tvs.schemas import TVCreate, TVRatiosUpdate, TVRead, TVStatusRead, TVUpdate
from expotv.users.models import User

EMPTY: Mapping[int, datetime] = MappingProxyType({})

# With 31**6 codes a collision is already rare; a handful of retries makes a
# failure practically impossible while bounding the work.
_CODE_ATTEMPTS = 8


def seconds_since(last_seen_at: datetime | None, now: datetime) -> int | None:
    if last_seen_at is None:
        return None
    return max(0, int((now - last_seen_at).total_seconds()))


def to_read(
    tv: TV,
    *,
    now: datetime,
    presence: Presence,
    pending: Mapping[int, datetime] = EMPTY,
) -> TVRead:
    """``pending``: the TV's pings not written yet (``presence.pending``)."""
    return TVRead(
        id=tv.id,
        code=tv.code,
        name=tv.name,
        condominium_id=tv.condominium_id,
        status=presence.status(tv, now, pending),
        last_seen_at=last_seen(tv, pending),
        ad_ratio=tv.ad_ratio,
        notice_ratio=tv.notice_ratio,
        news_ratio=tv.news_ratio,
        created_at=tv.created_at,
        updated_at=tv.updated_at,
    )


async def read(tv: TV, *, now: datetime, presence: Presence) -> TVRead:
    return to_read(tv, now=now, presence=presence, pending=await presence.pending([tv]))


async def status_read(tv: TV, *, now: datetime, presence: Presence) -> TVStatusRead:
    pending = await presence.pending([tv])
    seen = last_seen(tv, pending)
    return TVStatusRead(
        id=tv.id,
        code=tv.code,
        status=presence.status(tv, now, pending),
        last_seen_at=seen,
        seconds_since_last_seen=seconds_since(seen, now),
    )


def check_ratios(ad_ratio: int, notice_ratio: int, news_ratio: int) -> None:
    """Each ratio is 0..100 (schemas); together they must play something."""
    if ad_ratio + notice_ratio + news_ratio < 1:
        raise InvalidRatios()


async def list_visible(
    session: AsyncSession,
    filters: TVFilters,
    *,
    user: User,
    params: PageParams,
    now: datetime,
    presence: Presence,
) -> PageResult[TV]:
    """The ``status`` filter counts the pings not written yet (``presence``)."""
    query = repository.visible_to(user)
    if filters.condominium_id is not None:
        query = query.where(TV.condominium_id == filters.condominium_id)
    if filters.status is not None:
        query = query.where(await presence.condition(filters.status, now))
    if filters.text:
        query = repository.search(query, filters.text)
    return await paginate(session, query.order_by(TV.id), params)


async def get_visible(session: AsyncSession, tv_id: int, *, user: User) -> TV:
    return found(await repository.get_visible(session, tv_id, user), TVNotFound)


async def _ensure_target(
    session: AsyncSession, condominium_id: int, *, user: User
) -> None:
    """The caller may put a TV in this condomínio: 404 if unseen, 403 if read-only."""
    if not await condominium_repository.is_visible(session, condominium_id, user):
        raise CondominiumNotFound()
    ensure_can_write(user)
    if not await condominium_repository.is_writable(session, condominium_id, user):
        raise CondominiumNotFound()


async def create(session: AsyncSession, data: TVCreate, *, user: User) -> TV:
    await _ensure_target(session, data.condominium_id, user=user)
    check_ratios(data.ad_ratio, data.notice_ratio, data.news_ratio)
    for _ in range(_CODE_ATTEMPTS):
        code = generate_code()
        if await repository.code_exists(session, code):
            continue
        tv = TV(
            code=code,
            name=data.name,
            condominium_id=data.condominium_id,
            ad_ratio=data.ad_ratio,
            notice_ratio=data.notice_ratio,
            news_ratio=data.news_ratio,
        )
        if not await _insert_unless_code_taken(session, tv):
            continue
        content_changed(session, tv_ids=[tv.id])
        return tv
    raise TVCodeUnavailable()


async def _insert_unless_code_taken(session: AsyncSession, tv: TV) -> bool:
    """Insert ``tv``; False if a concurrent create took its code first.

    The insert runs in a savepoint so a lost race costs a retry, not the request.
    Not on SQLite: its driver commits the whole transaction when a savepoint that
    opened it is released. There the ``code_exists`` check before the insert
    leaves only two simultaneous creates drawing the same code (about 1 in 10**9).
    """
    if session.get_bind().dialect.name == "sqlite":
        session.add(tv)
        try:
            await session.flush()
        except IntegrityError:
            # The request rolls back; a code taken meanwhile would be a one in
            # 10**9 coincidence, so the condomínio is what went missing.
            raise CondominiumNotFound() from None
        return True
    try:
        async with session.begin_nested():
            session.add(tv)
            await session.flush()
    except IntegrityError:
        if await repository.code_exists(session, tv.code):
            return False
        # The only other constraint: the condomínio was deleted meanwhile.
        raise CondominiumNotFound() from None
    return True


async def update(session: AsyncSession, tv: TV, changes: TVUpdate, *, user: User) -> TV:
    ensure_can_write(user)
    fields = changes.sent()
    moved_to = fields.get("condominium_id")
    if moved_to is not None and moved_to != tv.condominium_id:
        await _ensure_target(session, moved_to, user=user)
    _apply_ratios(tv, fields)
    if moved_to is not None and moved_to != tv.condominium_id:
        await repository.detach_items(session, [tv.id], moving_to=moved_to)
        tv.condominium_id = moved_to
    if "name" in fields:
        tv.name = fields["name"]
    await session.flush()
    content_changed(session, tv_ids=[tv.id])
    return tv


async def set_ratios(
    session: AsyncSession, tv: TV, changes: TVRatiosUpdate, *, user: User
) -> TV:
    ensure_can_write(user)
    _apply_ratios(tv, changes.sent())
    await session.flush()
    content_changed(session, tv_ids=[tv.id])
    return tv


def _apply_ratios(tv: TV, fields: dict[str, Any]) -> None:
    ad_ratio = fields.get("ad_ratio", tv.ad_ratio)
    notice_ratio = fields.get("notice_ratio", tv.notice_ratio)
    news_ratio = fields.get("news_ratio", tv.news_ratio)
    check_ratios(ad_ratio, notice_ratio, news_ratio)
    tv.ad_ratio, tv.notice_ratio, tv.news_ratio = ad_ratio, notice_ratio, news_ratio


async def delete(session: AsyncSession, tv: TV, *, user: User) -> None:
    ensure_can_write(user)
    tv_id, code = tv.id, tv.code
    await repository.detach_items(session, [tv_id])
    await session.delete(tv)
    await session.flush()
    content_changed(session, tv_ids=[tv_id], tv_codes=[code])
