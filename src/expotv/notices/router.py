from __future__ import annotations

from fastapi import APIRouter, status

from expotv.auth.dependencies import CurrentUser, WriterUser
from expotv.deps import AppSettings, DbSession, Storage
from expotv.items.dependencies import Filters, RequestTime
from expotv.items.openapi import item_request_body
from expotv.items.schemas import WRITE_RESPONSES
from expotv.notices import service as notice_service
from expotv.notices.dependencies import (
    EditableNotice,
    NoticeCreateBody,
    NoticeScope,
    NoticeUpdateBody,
    VisibleNotice,
)
from expotv.notices.schemas import NoticeCreate, NoticeRead, NoticeUpdate
from expotv.pagination import Page, Pagination, page_of

router = APIRouter(prefix="/avisos", tags=["avisos"])

_FILE = "imagem (PNG, JPEG, WebP, GIF) ou vídeo (MP4, MOV, WebM, MKV, AVI)"


@router.get("", response_model=Page[NoticeRead])
async def list_notices(
    user: CurrentUser,
    session: DbSession,
    scope: NoticeScope,
    filters: Filters,
    page: Pagination,
    now: RequestTime,
) -> Page[NoticeRead]:
    """Lista os avisos que o usuário pode ver, por id."""
    result = await notice_service.list_visible(
        session, user=user, filters=filters, page=page, now=now
    )
    return page_of(result, lambda n: NoticeRead.present(n, scope=scope, now=now))


@router.post(
    "",
    response_model=NoticeRead,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_RESPONSES,
    openapi_extra=item_request_body(
        NoticeCreate,
        file_required=False,
        file_description=f"mídia opcional: {_FILE}",
        description="multipart/form-data (com `arquivo` opcional) ou JSON",
    ),
)
async def create_notice(
    user: WriterUser,
    body: NoticeCreateBody,
    session: DbSession,
    scope: NoticeScope,
    storage: Storage,
    settings: AppSettings,
    now: RequestTime,
) -> NoticeRead:
    """Cria um aviso, com mídia opcional em `arquivo`."""
    notice = await notice_service.create(
        session,
        body.data,
        upload=body.upload,
        scope=scope,
        storage=storage,
        settings=settings,
        now=now,
    )
    return NoticeRead.present(notice, scope=scope, now=now)


@router.get("/{notice_id}", response_model=NoticeRead)
async def get_notice(
    notice: VisibleNotice, scope: NoticeScope, now: RequestTime
) -> NoticeRead:
    """Mostra um aviso."""
    return NoticeRead.present(notice, scope=scope, now=now)


@router.put(
    "/{notice_id}",
    response_model=NoticeRead,
    responses=WRITE_RESPONSES,
    openapi_extra=item_request_body(
        NoticeUpdate,
        file_required=False,
        file_description=f"nova mídia, que substitui a atual: {_FILE}",
        description="só os campos enviados mudam; em multipart, valor vazio "
        "limpa um campo opcional",
    ),
)
async def update_notice(
    notice: EditableNotice,
    body: NoticeUpdateBody,
    session: DbSession,
    scope: NoticeScope,
    storage: Storage,
    settings: AppSettings,
    now: RequestTime,
) -> NoticeRead:
    """Altera um aviso (corpo parcial); um novo `arquivo` substitui a mídia."""
    notice = await notice_service.update(
        session,
        notice,
        body.data,
        upload=body.upload,
        scope=scope,
        storage=storage,
        settings=settings,
        now=now,
    )
    return NoticeRead.present(notice, scope=scope, now=now)


@router.delete("/{notice_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_notice(
    notice: EditableNotice, session: DbSession, storage: Storage
) -> None:
    """Exclui um aviso e a sua mídia."""
    await notice_service.delete(session, notice, storage=storage)
