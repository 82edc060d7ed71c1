"""Path id -> loaded ad, checked: visible (else 404), then changeable (else 403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from expotv.ads import service as ad_service
from expotv.ads.models import Ad
from expotv.ads.schemas import AdCreate, AdUpdate
from expotv.auth.dependencies import CurrentUser
from expotv.deps import DbSession
from expotv.items.body import ItemBody, item_body
from expotv.schemas import MAX_ID

AdId = Annotated[int, Path(ge=1, le=MAX_ID, description="id do anúncio")]


async def visible_ad(ad_id: AdId, user: CurrentUser, session: DbSession) -> Ad:
    return await ad_service.get_visible(session, ad_id, user=user)


async def editable_ad(ad_id: AdId, user: CurrentUser, session: DbSession) -> Ad:
    ad = await ad_service.get_visible(session, ad_id, user=user, for_update=True)
    ad_service.ensure_can_change(ad, user)
    return ad


VisibleAd = Annotated[Ad, Depends(visible_ad)]
EditableAd = Annotated[Ad, Depends(editable_ad)]
AdCreateBody = Annotated[ItemBody[AdCreate], Depends(item_body(AdCreate))]
AdUpdateBody = Annotated[ItemBody[AdUpdate], Depends(item_body(AdUpdate))]
