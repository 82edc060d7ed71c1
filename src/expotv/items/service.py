"""Content items of any kind: list, read, create, change and delete, with the rules.

A create checks, in this order: level, media present (if the kind requires it),
expiry and start (422), targets (404), TVs (404, then 422 when outside the
targets), the kind's own fields (4xx), quota (403, early and unlocked so a refused
upload is not stored); then it stores the media and takes the quota again under
the user's lock before inserting. An update checks the same things for what it
changes, against the values the item ends with. Nothing here commits: the
request's unit of work does, and the TVs' playlists are invalidated after that
commit (``content_changed``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from fastapi import UploadFile
from pydantic import MISSING
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.auth import policy
from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.content import ContentStatus, is_past
from expotv.errors import NotFound
from expotv.items import repository as items_repo
from expotv.items.exceptions import (
    ExpiryInPast,
    ExpiryNotAfterStart,
    ItemNotFound,
    ItemNotOwned,
    ItemQuotaExceeded,
    MediaRequired,
    TargetNotFound,
    TVOutsideTargets,
)
from expotv.items.kind import ContentKind, CreateT, UpdateT
from expotv.items.models import ContentItem
from expotv.items.pages import PageCache, PageKey
from expotv.items.rules import next_status
from expotv.items.schemas import to_windows
from expotv.items.scope import Scope, load_scope
from expotv.media import service as media_service
from expotv.media.service import StoredMedia
from expotv.pagination import PageParams, PageResult, page_json, paginate
from expotv.playlist.invalidation import content_changed
from expotv.storage.base import ObjectStorage
from expotv.tvs.exceptions import TVNotFound
from expotv.tvs.models import TV
from expotv.users.models import Role, User

ItemT = TypeVar("ItemT", bound=ContentItem)
RowT = TypeVar("RowT")
AnyKind = ContentKind[Any, Any, Any, Any]


@dataclass(frozen=True, slots=True)
class WriteContext:
    """What a create or an update needs besides its body: who writes (and what it
    sees), when, and where media go."""

    scope: Scope
    storage: ObjectStorage
    settings: Settings
    now: datetime


async def list_visible(
    session: AsyncSession,
    kind: ContentKind[ItemT, Any, Any, Any],
    *,
    user: User,
    filters: items_repo.ItemFilters,
    page: PageParams,
    now: datetime,
) -> PageResult[ItemT]:
    query = items_repo.list_visible(kind, user, filters, now=now)
    count = items_repo.count_visible(kind, user, filters, now=now)
    return await paginate(session, query, page, count=count)


async def list_page(
    session: AsyncSession,
    kind: AnyKind,
    *,
    user: User,
    filters: items_repo.ItemFilters,
    page: PageParams,
    now: datetime,
    pages: PageCache,
) -> bytes:
    """The list route's JSON body: kept from an earlier request while nothing it
    shows has changed (``items.pages``), else built and kept."""
    key = PageKey(
        kind=kind.names.code,
        user_id=user.id,
        role=user.role.value,
        condominium_id=filters.condominium_id,
        status=filters.status.value if filters.status else None,
        query=filters.query,
        limit=page.limit,
        offset=page.offset,
    )
    body, ticket = await pages.look_up(key, now, build=True)
    if body is not None:
        return body
    try:
        scope = await load_scope(session, user, with_signers=kind.scope_has_signers)
        result = await list_visible(
            session, kind, user=user, filters=filters, page=page, now=now
        )
        read = kind.read_schema
        body = page_json(
            kind.page_adapter,
            result,
            lambda item: read.present(item, scope=scope, now=now),
        )
        if ticket.token is not None:
            until = await _next_change(session, kind, user, filters, result, now)
            pages.put(ticket, body, until)
    finally:
        pages.release(ticket)
    return body


async def _next_change(
    session: AsyncSession,
    kind: AnyKind,
    user: User,
    filters: items_repo.ItemFilters,
    result: PageResult[Any],
    now: datetime,
) -> datetime | None:
    """When a status on the page (or, with a ``status`` filter, what the filter
    selects) turns by itself: the nearest start or expiry still ahead."""
    if filters.status is not None:
        row = (
            await session.execute(items_repo.next_change(kind, user, filters, now=now))
        ).one()
        ahead = [moment for moment in row if moment is not None]
    else:
        ahead = [
            moment
            for item in result.items
            for moment in (item.starts_at, item.expires_at)
            if moment is not None and moment > now
        ]
    return min(ahead, default=None)


async def get_visible(
    session: AsyncSession,
    kind: ContentKind[ItemT, Any, Any, Any],
    item_id: int,
    *,
    user: User,
    for_update: bool = False,
) -> ItemT:
    query = items_repo.get_visible(kind, user, item_id, for_update=for_update)
    item = await session.scalar(query)
    if item is None:
        raise ItemNotFound(kind.names)
    return item


def ensure_can_change(kind: AnyKind, item: ContentItem, user: User) -> None:
    """Visitantes write nothing; a Síndico changes only what it created.

    Called once the item is known to be visible (a hidden one is already a 404).
    """
    policy.ensure_can_write(user)
    if user.role is Role.MANAGER and item.created_by_id != user.id:
        raise ItemNotOwned(kind.names)


def ensure_future(expires_at: datetime | None, now: datetime) -> None:
    if is_past(expires_at, now):
        raise ExpiryInPast()


def ensure_ends_after_start(
    starts_at: datetime | None, expires_at: datetime | None
) -> None:
    if starts_at is not None and expires_at is not None and expires_at <= starts_at:
        raise ExpiryNotAfterStart()


async def _all_of(
    session: AsyncSession,
    ids: Iterable[int],
    query: Callable[[set[int]], Select[RowT]],
    error: type[NotFound],
) -> list[RowT]:
    """The rows ``query`` selects of ``ids``: every one of them, else ``error``."""
    wanted = set(ids)
    if not wanted:
        return []
    found = list(await session.scalars(query(wanted)))
    if len(found) != len(wanted):
        raise error()
    return found


async def writable_condominiums(
    session: AsyncSession, ids: Iterable[int], *, user: User
) -> list[Condominium]:
    """The condomínios ``ids``, all of which ``user`` may target (else 404)."""
    query = partial(items_repo.writable_condominiums, user)
    return await _all_of(session, ids, query, TargetNotFound)


async def visible_tvs(
    session: AsyncSession, ids: Iterable[int], *, user: User
) -> list[TV]:
    """The TVs ``ids``, all of which ``user`` may see (else 404)."""
    return await _all_of(
        session, ids, partial(items_repo.visible_tvs, user), TVNotFound
    )


def ensure_tvs_in_targets(item: ContentItem) -> None:
    """Every TV of ``tvs_ids`` is in one of the item's condomínios (else 422)."""
    targets = item.condominium_ids
    for tv in item.tvs:
        if tv.condominium_id not in targets:
            raise TVOutsideTargets(tv.id)


async def ensure_quota(
    session: AsyncSession,
    kind: AnyKind,
    user: User,
    *,
    now: datetime,
    lock: bool,
    exclude_id: int | None = None,
) -> None:
    """A Síndico may have at most its limit of live items created by itself.

    With ``lock`` the check is race-free: the user's row lock serialises its
    concurrent creates, and the count is a locking read, which on MariaDB sees
    rows committed after this transaction's snapshot (a plain read would not).
    """
    if user.role is not Role.MANAGER:
        return
    if lock:
        await session.execute(policy.quota_lock_statement(user.id))
    query = items_repo.count_live_created_by(
        kind.model, user.id, now, exclude_id=exclude_id
    )
    if lock:
        query = query.with_for_update()
    used = await session.scalar(query) or 0
    limit = kind.limit_of(user)
    if used >= limit:
        raise ItemQuotaExceeded(kind.names, limit)


async def create(
    session: AsyncSession,
    kind: ContentKind[ItemT, CreateT, Any, Any],
    data: CreateT,
    *,
    upload: UploadFile | None,
    context: WriteContext,
) -> ItemT:
    scope, storage, now = context.scope, context.storage, context.now
    user = scope.user
    policy.ensure_can_write(user)
    if upload is None and kind.media_required:
        raise MediaRequired(kind.names)
    ensure_future(data.expires_at, now)
    ensure_ends_after_start(data.starts_at, data.expires_at)
    requested = ContentStatus(data.status)
    item = kind.model()
    item.name = data.name
    item.requested_status = requested
    item.starts_at = data.starts_at
    item.expires_at = data.expires_at
    item.windows = to_windows(data.windows)
    item.created_by_id = user.id
    item.condominiums = await writable_condominiums(
        session, data.condominium_ids, user=user
    )
    item.tvs = await visible_tvs(session, data.tv_ids, user=user)
    ensure_tvs_in_targets(item)
    await kind.fill(session, item, data, scope=scope)
    await ensure_quota(session, kind, user, now=now, lock=False)
    stored = await _ingest(session, upload, context)
    await ensure_quota(session, kind, user, now=now, lock=True)
    item.status = _initial_status(requested, stored)
    item.duration_seconds = data.duration_seconds or kind.default_duration(stored)
    set_media(session, item, stored, storage=storage)
    session.add(item)
    await session.flush()
    content_changed(session, condominium_ids=item.condominium_ids)
    return item


async def update(
    session: AsyncSession,
    kind: ContentKind[ItemT, Any, UpdateT, Any],
    item: ItemT,
    changes: UpdateT,
    *,
    upload: UploadFile | None,
    context: WriteContext,
) -> ItemT:
    """Change the fields sent. ``item`` was loaded visible and checked changeable.

    Targets, TVs (and, for avisos, síndicos) the caller can not see stay when it
    replaces the list.
    """
    scope, storage, now = context.scope, context.storage, context.now
    old_targets = item.condominium_ids
    was_live = item.is_live(now)
    if changes.expires_at is not MISSING:
        ensure_future(changes.expires_at, now)
    ensure_ends_after_start(
        item.starts_at if changes.starts_at is MISSING else changes.starts_at,
        item.expires_at if changes.expires_at is MISSING else changes.expires_at,
    )
    if changes.condominium_ids is not MISSING:
        await _retarget(session, item, changes.condominium_ids, scope=scope)
    if changes.tv_ids is not MISSING:
        await _retarget_tvs(session, item, changes.tv_ids or [], scope=scope)
    if changes.condominium_ids is not MISSING or changes.tv_ids is not MISSING:
        ensure_tvs_in_targets(item)
    if changes.windows is not MISSING:
        item.windows = to_windows(changes.windows)
    await kind.apply(session, item, changes, scope=scope)

    previous = item.media_kind
    stored = await _ingest(session, upload, context)
    media_changed = stored is not None
    if stored is not None:
        set_media(session, item, stored, storage=storage)
        duration = kind.duration_for_new_media(item, stored, previous=previous)
        if duration is not None and changes.duration_seconds is MISSING:
            item.duration_seconds = duration
    elif kind.removes_media(changes) and item.media_key is not None:
        set_media(session, item, None, storage=storage)
        media_changed = True
    changes.copy_sent(item, "name", "starts_at", "expires_at", "duration_seconds")

    requested = None if changes.status is MISSING else ContentStatus(changes.status)
    item.status = next_status(
        item,
        requested=requested,
        media_changed=media_changed,
        processing=stored is not None and stored.needs_processing,
        now=now,
    )
    if requested is not None:
        item.requested_status = requested
    # Also when only the targets (another table) changed.
    item.updated_at = now
    if not was_live and item.is_live(now):
        # Bringing an expired item back takes a slot like a new one.
        await ensure_quota(
            session, kind, scope.user, now=now, lock=True, exclude_id=item.id
        )
    await session.flush()
    content_changed(session, condominium_ids=old_targets | item.condominium_ids)
    return item


async def delete(
    session: AsyncSession, item: ContentItem, *, storage: ObjectStorage
) -> None:
    """Delete ``item``; its media go once the deletion commits."""
    targets = item.condominium_ids
    _discard_media(session, item, storage=storage)
    await session.delete(item)
    await session.flush()
    content_changed(session, condominium_ids=targets)


async def _retarget(
    session: AsyncSession, item: ContentItem, ids: list[int], *, scope: Scope
) -> None:
    """Replace the targets the caller sees; the ones it can not see stay."""
    chosen = await writable_condominiums(session, ids, user=scope.user)
    hidden = scope.hidden_condominiums(item.condominium_ids)
    kept = [c for c in item.condominiums if c.id in hidden]
    item.condominiums = sorted([*chosen, *kept], key=lambda c: c.id)


async def _retarget_tvs(
    session: AsyncSession, item: ContentItem, ids: list[int], *, scope: Scope
) -> None:
    """Replace the TVs the caller sees; the ones it can not see stay."""
    chosen = await visible_tvs(session, ids, user=scope.user)
    kept = scope.hidden_tvs(item.tvs)
    item.tvs = sorted([*chosen, *kept], key=lambda tv: tv.id)


async def _ingest(
    session: AsyncSession, upload: UploadFile | None, context: WriteContext
) -> StoredMedia | None:
    if upload is None:
        return None
    return await media_service.ingest(
        session,
        upload,
        storage=context.storage,
        settings=context.settings,
        now=context.now,
    )


def _initial_status(
    requested: ContentStatus, stored: StoredMedia | None
) -> ContentStatus:
    if stored is not None and stored.needs_processing:
        return ContentStatus.PROCESSING
    return requested


def set_media(
    session: AsyncSession,
    item: ContentItem,
    stored: StoredMedia | None,
    *,
    storage: ObjectStorage,
) -> None:
    """Point ``item`` at ``stored`` (or at nothing); the old objects go after commit."""
    _discard_media(session, item, storage=storage)
    item.media_kind = stored.kind if stored else None
    item.media_key = stored.key if stored else None
    item.archive_url = stored.url if stored else None
    item.thumbnail_key = stored.thumbnail_key if stored else None
    item.thumbnail_url = stored.thumbnail_url if stored else None
    item.media_error = None


def _discard_media(
    session: AsyncSession, item: ContentItem, *, storage: ObjectStorage
) -> None:
    media_service.discard_after_commit(
        session, storage, item.media_key, item.thumbnail_key
    )
