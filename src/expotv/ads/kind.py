"""Anúncios: a content item with its advertiser, whose media is required and
whose video sets how long it plays."""

from __future__ import annotations

from pydantic import MISSING
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.ads.models import Ad
from expotv.ads.schemas import AdCreate, AdRead, AdUpdate
from expotv.content import MediaKind
from expotv.items.kind import ContentKind, KindNames
from expotv.items.scope import Scope
from expotv.media.service import StoredMedia
from expotv.users.models import User

IMAGE_DURATION_SECONDS = 10
MAX_DURATION_SECONDS = 3600


class AdKind(ContentKind[Ad, AdCreate, AdUpdate, AdRead]):
    names = KindNames(
        code="ad", path="/anuncios", singular="anúncio", plural="anúncios"
    )
    media_required = True

    def limit_of(self, user: User) -> int:
        return user.ad_limit

    def default_duration(self, stored: StoredMedia | None) -> int:
        """A video plays for its own length (within 1..3600), an image for 10 s."""
        if stored and stored.kind is MediaKind.VIDEO and stored.duration_seconds:
            return max(1, min(MAX_DURATION_SECONDS, stored.duration_seconds))
        return IMAGE_DURATION_SECONDS

    async def fill(
        self, session: AsyncSession, item: Ad, data: AdCreate, *, scope: Scope
    ) -> None:
        item.advertiser_phone = data.advertiser_phone or ""
        item.advertiser_name = data.advertiser_name or ""

    async def apply(
        self, session: AsyncSession, item: Ad, changes: AdUpdate, *, scope: Scope
    ) -> None:
        # null clears: the columns keep "" rather than NULL.
        if changes.advertiser_phone is not MISSING:
            item.advertiser_phone = changes.advertiser_phone or ""
        if changes.advertiser_name is not MISSING:
            item.advertiser_name = changes.advertiser_name or ""

    def duration_for_new_media(
        self, item: Ad, stored: StoredMedia, *, previous: MediaKind | None
    ) -> int | None:
        """A new video brings its own length; so does switching between kinds."""
        if stored.kind is MediaKind.VIDEO or stored.kind is not previous:
            return self.default_duration(stored)
        return None


AD = AdKind()
