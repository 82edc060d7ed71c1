"""Anúncios: create, change and delete, with the levels' rules.

A create checks, in this order: level, expiry, targets (404), quota (403, early
and unlocked so a refused upload is not stored), then stores the media and takes
the quota again under the user's lock before inserting.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import UploadFile
from pydantic import MISSING
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.ads import repository as ad_repo
from expotv.ads.exceptions import (
    AdMediaRequired,
    AdNotFound,
    AdNotOwned,
    AdQuotaExceeded,
)
from expotv.ads.models import Ad
from expotv.ads.schemas import AdCreate, AdUpdate
from expotv.auth import policy
from expotv.config import Settings
from expotv.content import ContentStatus, MediaKind
from expotv.items import repository as items_repo
from expotv.items import service as items
from expotv.items.scope import Scope
from expotv.media import service as media_service
from expotv.media.service import StoredMedia
from expotv.pagination import PageParams, PageResult, paginate
from expotv.storage.base import ObjectStorage
from expotv.users.models import User

IMAGE_DURATION_SECONDS = 10
MAX_DURATION_SECONDS = 3600

KIND = items.ItemKind(
    table=ad_repo.TABLE,
    limit_of=lambda user: user.ad_limit,
    quota_exceeded=AdQuotaExceeded,
    not_owned=AdNotOwned,
)


def default_duration(stored: StoredMedia) -> int:
    """A video plays for its own length (within 1..3600), an image for 10 s."""
    if stored.kind is MediaKind.VIDEO and stored.duration_seconds:
        return max(1, min(MAX_DURATION_SECONDS, stored.duration_seconds))
    return IMAGE_DURATION_SECONDS


async def list_visible(
    session: AsyncSession,
    *,
    user: User,
    filters: items_repo.ItemFilters,
    page: PageParams,
    now: datetime,
) -> PageResult[Ad]:
    query = ad_repo.list_visible(user, filters, now=now)
    return await paginate(session, query, page)


async def get_visible(
    session: AsyncSession, ad_id: int, *, user: User, for_update: bool = False
) -> Ad:
    ad = await session.scalar(ad_repo.get_visible(user, ad_id, for_update=for_update))
    if ad is None:
        raise AdNotFound()
    return ad


def ensure_can_change(ad: Ad, user: User) -> None:
    items.ensure_can_change(KIND, ad, user)


async def create(
    session: AsyncSession,
    data: AdCreate,
    *,
    upload: UploadFile | None,
    scope: Scope,
    storage: ObjectStorage,
    settings: Settings,
    now: datetime,
) -> Ad:
    user = scope.user
    policy.ensure_can_write(user)
    if upload is None:
        raise AdMediaRequired()
    items.ensure_future(data.expires_at, now)
    condominiums = await items.writable_condominiums(
        session, data.condominium_ids, user=user
    )
    await items.ensure_quota(session, KIND, user, now=now, lock=False)
    stored = await media_service.ingest(
        session, upload, storage=storage, settings=settings, now=now
    )
    await items.ensure_quota(session, KIND, user, now=now, lock=True)
    requested = ContentStatus(data.status)
    ad = Ad(
        name=data.name,
        advertiser_phone=data.advertiser_phone or "",
        advertiser_name=data.advertiser_name or "",
        status=items.initial_status(requested, stored),
        requested_status=requested,
        expires_at=data.expires_at,
        duration_seconds=data.duration_seconds or default_duration(stored),
        created_by_id=user.id,
        condominiums=condominiums,
    )
    items.set_media(session, ad, stored, storage=storage)
    session.add(ad)
    await session.flush()
    items.playlists_changed(session, items.targets_of(ad))
    return ad


async def update(
    session: AsyncSession,
    ad: Ad,
    changes: AdUpdate,
    *,
    upload: UploadFile | None,
    scope: Scope,
    storage: ObjectStorage,
    settings: Settings,
    now: datetime,
) -> Ad:
    """Change the fields sent. ``ad`` was loaded visible and checked changeable."""
    old_targets = items.targets_of(ad)
    was_live = ad.is_live(now)
    if changes.expires_at is not MISSING:
        items.ensure_future(changes.expires_at, now)
    if changes.condominium_ids is not MISSING:
        await items.retarget(session, ad, changes.condominium_ids, scope=scope)
    stored: StoredMedia | None = None
    if upload is not None:
        stored = await media_service.ingest(
            session, upload, storage=storage, settings=settings, now=now
        )
        previous_kind = ad.media_kind
        items.set_media(session, ad, stored, storage=storage)
        # A new video brings its own length; so does switching between kinds.
        if changes.duration_seconds is MISSING and (
            stored.kind is MediaKind.VIDEO or stored.kind is not previous_kind
        ):
            ad.duration_seconds = default_duration(stored)

    if changes.name is not MISSING:
        ad.name = changes.name
    if changes.advertiser_phone is not MISSING:
        ad.advertiser_phone = changes.advertiser_phone or ""
    if changes.advertiser_name is not MISSING:
        ad.advertiser_name = changes.advertiser_name or ""
    if changes.expires_at is not MISSING:
        ad.expires_at = changes.expires_at
    if changes.duration_seconds is not MISSING:
        ad.duration_seconds = changes.duration_seconds
    requested = ContentStatus(changes.status) if changes.status is not MISSING else None
    await items.finish_update(
        session,
        KIND,
        ad,
        scope=scope,
        requested=requested,
        stored=stored,
        media_changed=stored is not None,
        was_live=was_live,
        old_targets=old_targets,
        now=now,
    )
    return ad


async def delete(session: AsyncSession, ad: Ad, *, storage: ObjectStorage) -> None:
    await items.delete(session, ad, storage=storage)
