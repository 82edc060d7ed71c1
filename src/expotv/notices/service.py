"""Avisos: create, change and delete, with the levels' rules.

Same order of checks as anúncios (``ads.service``); avisos add the síndicos who
sign them (``sindico_ids``), and their file is optional.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fastapi import UploadFile
from pydantic import MISSING
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.auth import policy
from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.content import ContentStatus
from expotv.items import repository as items_repo
from expotv.items import service as items
from expotv.items.scope import Scope
from expotv.media import service as media_service
from expotv.media.service import StoredMedia
from expotv.notices import repository as notice_repo
from expotv.notices.exceptions import (
    NoticeNotFound,
    NoticeNotOwned,
    NoticeQuotaExceeded,
    SignerInvalid,
)
from expotv.notices.models import Notice
from expotv.notices.schemas import NoticeCreate, NoticeUpdate
from expotv.pagination import PageParams, PageResult, paginate
from expotv.storage.base import ObjectStorage
from expotv.users.models import Role, User

DEFAULT_DURATION_SECONDS = 15

KIND = items.ItemKind(
    table=notice_repo.TABLE,
    limit_of=lambda user: user.notice_limit,
    quota_exceeded=NoticeQuotaExceeded,
    not_owned=NoticeNotOwned,
)


async def list_visible(
    session: AsyncSession,
    *,
    user: User,
    filters: items_repo.ItemFilters,
    page: PageParams,
    now: datetime,
) -> PageResult[Notice]:
    query = notice_repo.list_visible(user, filters, now=now)
    return await paginate(session, query, page)


async def get_visible(
    session: AsyncSession, notice_id: int, *, user: User, for_update: bool = False
) -> Notice:
    notice = await session.scalar(
        notice_repo.get_visible(user, notice_id, for_update=for_update)
    )
    if notice is None:
        raise NoticeNotFound()
    return notice


def ensure_can_change(notice: Notice, user: User) -> None:
    items.ensure_can_change(KIND, notice, user)


async def named_signers(
    session: AsyncSession, ids: Sequence[int], *, scope: Scope
) -> list[User]:
    """Existing Síndicos the caller may name: for a Síndico, only itself."""
    for user_id in ids:
        if scope.signer_ids is not None and user_id not in scope.signer_ids:
            raise SignerInvalid(user_id)
    found = {u.id: u for u in await session.scalars(notice_repo.managers(ids))}
    for user_id in ids:
        if user_id not in found:
            raise SignerInvalid(user_id)
    return [found[user_id] for user_id in sorted(found)]


async def default_signers(
    session: AsyncSession, user: User, condominiums: Sequence[Condominium]
) -> list[User]:
    """The creator when a Síndico, otherwise the targets' síndicos."""
    if user.role is Role.MANAGER:
        return [user]
    ids = [c.id for c in condominiums]
    return list(await session.scalars(notice_repo.managers_of(ids)))


async def create(
    session: AsyncSession,
    data: NoticeCreate,
    *,
    upload: UploadFile | None,
    scope: Scope,
    storage: ObjectStorage,
    settings: Settings,
    now: datetime,
) -> Notice:
    user = scope.user
    policy.ensure_can_write(user)
    items.ensure_future(data.expires_at, now)
    condominiums = await items.writable_condominiums(
        session, data.condominium_ids, user=user
    )
    if data.signer_ids is None:
        signers = await default_signers(session, user, condominiums)
    else:
        signers = await named_signers(session, data.signer_ids, scope=scope)
    await items.ensure_quota(session, KIND, user, now=now, lock=False)
    stored: StoredMedia | None = None
    if upload is not None:
        stored = await media_service.ingest(
            session, upload, storage=storage, settings=settings, now=now
        )
    await items.ensure_quota(session, KIND, user, now=now, lock=True)
    requested = ContentStatus(data.status)
    notice = Notice(
        name=data.name,
        message=data.message,
        status=items.initial_status(requested, stored),
        requested_status=requested,
        expires_at=data.expires_at,
        duration_seconds=data.duration_seconds or DEFAULT_DURATION_SECONDS,
        created_by_id=user.id,
        condominiums=condominiums,
        signers=signers,
    )
    items.set_media(session, notice, stored, storage=storage)
    session.add(notice)
    await session.flush()
    items.playlists_changed(session, items.targets_of(notice))
    return notice


async def update(
    session: AsyncSession,
    notice: Notice,
    changes: NoticeUpdate,
    *,
    upload: UploadFile | None,
    scope: Scope,
    storage: ObjectStorage,
    settings: Settings,
    now: datetime,
) -> Notice:
    """Change the fields sent. ``notice`` was loaded visible and checked changeable.

    Changing the targets leaves the signers as they are; síndicos the caller can
    not see stay when it replaces the list.
    """
    old_targets = items.targets_of(notice)
    was_live = notice.is_live(now)
    if changes.expires_at is not MISSING:
        items.ensure_future(changes.expires_at, now)
    if changes.condominium_ids is not MISSING:
        await items.retarget(session, notice, changes.condominium_ids, scope=scope)
    if changes.signer_ids is not MISSING:
        chosen = await named_signers(session, changes.signer_ids or [], scope=scope)
        hidden = scope.hidden_signers(u.id for u in notice.signers)
        kept = [u for u in notice.signers if u.id in hidden]
        notice.signers = sorted([*chosen, *kept], key=lambda u: u.id)
    stored: StoredMedia | None = None
    media_changed = False
    if upload is not None:
        stored = await media_service.ingest(
            session, upload, storage=storage, settings=settings, now=now
        )
        items.set_media(session, notice, stored, storage=storage)
        media_changed = True
    elif changes.remove_media is not MISSING and notice.media_key is not None:
        items.set_media(session, notice, None, storage=storage)
        media_changed = True

    if changes.name is not MISSING:
        notice.name = changes.name
    if changes.message is not MISSING:
        notice.message = changes.message
    if changes.expires_at is not MISSING:
        notice.expires_at = changes.expires_at
    if changes.duration_seconds is not MISSING:
        notice.duration_seconds = changes.duration_seconds
    requested = ContentStatus(changes.status) if changes.status is not MISSING else None
    await items.finish_update(
        session,
        KIND,
        notice,
        scope=scope,
        requested=requested,
        stored=stored,
        media_changed=media_changed,
        was_live=was_live,
        old_targets=old_targets,
        now=now,
    )
    return notice


async def delete(
    session: AsyncSession, notice: Notice, *, storage: ObjectStorage
) -> None:
    await items.delete(session, notice, storage=storage)
