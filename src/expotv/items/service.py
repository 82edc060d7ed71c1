"""Rules anúncios and avisos share: targets, quota, expiry, status and media.

The domain services (``ads.service``, ``notices.service``) call these inside their
unit of work; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.auth import policy
from expotv.condominiums.models import Condominium
from expotv.content import ContentStatus, is_live, is_past
from expotv.errors import Forbidden, QuotaExceeded
from expotv.items import repository as items_repo
from expotv.items.exceptions import ExpiryInPast, TargetNotFound
from expotv.items.rules import ContentItem, next_status
from expotv.items.scope import Scope
from expotv.media import service as media_service
from expotv.media.service import StoredMedia
from expotv.playlist.invalidation import content_changed
from expotv.storage.base import ObjectStorage
from expotv.users.models import Role, User


@dataclass(frozen=True, slots=True)
class ItemKind:
    """What differs between anúncios and avisos for the shared rules."""

    table: items_repo.ItemTable
    limit_of: Callable[[User], int]
    quota_exceeded: Callable[[int], QuotaExceeded]
    not_owned: Callable[[], Forbidden]


def ensure_future(expires_at: datetime | None, now: datetime) -> None:
    if is_past(expires_at, now):
        raise ExpiryInPast()


def ensure_can_change(kind: ItemKind, item: ContentItem, user: User) -> None:
    """Visitantes write nothing; a Síndico changes only what it created.

    Called once the item is known to be visible (a hidden one is already a 404).
    """
    policy.ensure_can_write(user)
    if user.role is Role.MANAGER and item.created_by_id != user.id:
        raise kind.not_owned()


async def writable_condominiums(
    session: AsyncSession, ids: Iterable[int], *, user: User
) -> list[Condominium]:
    """The condomínios ``ids``, all of which ``user`` may target (else 404)."""
    wanted = set(ids)
    if not wanted:
        return []
    query = select(Condominium).where(Condominium.id.in_(wanted))
    writable = policy.writable_condominium_ids(user)
    if writable is not None:
        query = query.where(Condominium.id.in_(writable))
    found = list(await session.scalars(query.order_by(Condominium.id)))
    if len(found) != len(wanted):
        raise TargetNotFound()
    return found


async def retarget(
    session: AsyncSession, item: ContentItem, ids: list[int], *, scope: Scope
) -> None:
    """Replace the targets the caller sees; the ones it can not see stay."""
    chosen = await writable_condominiums(session, ids, user=scope.user)
    hidden = scope.hidden_condominiums(c.id for c in item.condominiums)
    kept = [c for c in item.condominiums if c.id in hidden]
    item.condominiums = sorted([*chosen, *kept], key=lambda c: c.id)


async def ensure_quota(
    session: AsyncSession,
    kind: ItemKind,
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
        kind.table, user.id, now, exclude_id=exclude_id
    )
    if lock:
        query = query.with_for_update()
    used = await session.scalar(query) or 0
    limit = kind.limit_of(user)
    if used >= limit:
        raise kind.quota_exceeded(limit)


def set_media(
    session: AsyncSession,
    item: ContentItem,
    stored: StoredMedia | None,
    *,
    storage: ObjectStorage,
) -> None:
    """Point ``item`` at ``stored`` (or at nothing); the old objects go after commit."""
    media_service.discard_after_commit(
        session, storage, item.media_key, item.thumbnail_key
    )
    item.media_kind = stored.kind if stored else None
    item.media_key = stored.key if stored else None
    item.archive_url = stored.url if stored else None
    item.thumbnail_key = stored.thumbnail_key if stored else None
    item.thumbnail_url = stored.thumbnail_url if stored else None
    item.media_error = None


def discard_media(
    session: AsyncSession, item: ContentItem, *, storage: ObjectStorage
) -> None:
    media_service.discard_after_commit(
        session, storage, item.media_key, item.thumbnail_key
    )


def initial_status(
    requested: ContentStatus, stored: StoredMedia | None
) -> ContentStatus:
    if stored is not None and stored.needs_processing:
        return ContentStatus.PROCESSING
    return requested


def targets_of(item: ContentItem) -> set[int]:
    return {c.id for c in item.condominiums}


def playlists_changed(session: AsyncSession, *target_sets: Iterable[int]) -> None:
    ids: set[int] = set()
    for targets in target_sets:
        ids.update(targets)
    content_changed(session, condominium_ids=ids)


async def finish_update(
    session: AsyncSession,
    kind: ItemKind,
    item: ContentItem,
    *,
    scope: Scope,
    requested: ContentStatus | None,
    stored: StoredMedia | None,
    media_changed: bool,
    was_live: bool,
    old_targets: set[int],
    now: datetime,
) -> None:
    """The end of every update: status, quota when revived, flush, invalidation."""
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
    if not was_live and is_live(item, now):
        # Bringing an expired item back takes a slot like a new one.
        await ensure_quota(
            session, kind, scope.user, now=now, lock=True, exclude_id=item.id
        )
    await session.flush()
    playlists_changed(session, old_targets, targets_of(item))


async def delete(
    session: AsyncSession, item: ContentItem, *, storage: ObjectStorage
) -> None:
    """Delete ``item``; its media go once the deletion commits."""
    targets = targets_of(item)
    discard_media(session, item, storage=storage)
    await session.delete(item)
    await session.flush()
    playlists_changed(session, targets)
