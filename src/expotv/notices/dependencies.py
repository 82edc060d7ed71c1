"""Path id -> loaded notice, checked: visible (else 404), then changeable (403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from expotv.auth.dependencies import CurrentUser
from expotv.deps import DbSession
from expotv.items.body import ItemBody, item_body
from expotv.items.scope import Scope, load_scope
from expotv.notices import service as notice_service
from expotv.notices.models import Notice
from expotv.notices.schemas import NoticeCreate, NoticeUpdate
from expotv.schemas import MAX_ID

NoticeId = Annotated[int, Path(ge=1, le=MAX_ID, description="id do aviso")]


async def visible_notice(
    notice_id: NoticeId, user: CurrentUser, session: DbSession
) -> Notice:
    return await notice_service.get_visible(session, notice_id, user=user)


async def editable_notice(
    notice_id: NoticeId, user: CurrentUser, session: DbSession
) -> Notice:
    notice = await notice_service.get_visible(
        session, notice_id, user=user, for_update=True
    )
    notice_service.ensure_can_change(notice, user)
    return notice


async def notice_scope(user: CurrentUser, session: DbSession) -> Scope:
    return await load_scope(session, user, with_signers=True)


VisibleNotice = Annotated[Notice, Depends(visible_notice)]
EditableNotice = Annotated[Notice, Depends(editable_notice)]
NoticeScope = Annotated[Scope, Depends(notice_scope)]
NoticeCreateBody = Annotated[ItemBody[NoticeCreate], Depends(item_body(NoticeCreate))]
NoticeUpdateBody = Annotated[ItemBody[NoticeUpdate], Depends(item_body(NoticeUpdate))]
