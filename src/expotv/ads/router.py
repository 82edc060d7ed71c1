from __future__ import annotations

from fastapi import APIRouter, status

from expotv.ads import service as ad_service
from expotv.ads.dependencies import AdCreateBody, AdUpdateBody, EditableAd, VisibleAd
from expotv.ads.schemas import AdCreate, AdRead, AdUpdate
from expotv.auth.dependencies import CurrentUser, WriterUser
from expotv.deps import AppSettings, DbSession, Storage
from expotv.items.dependencies import Filters, ItemScope, RequestTime
from expotv.items.openapi import item_request_body
from expotv.items.schemas import WRITE_RESPONSES
from expotv.pagination import Page, Pagination, page_of

router = APIRouter(prefix="/anuncios", tags=["anúncios"])

_FILE = "imagem (PNG, JPEG, WebP, GIF) ou vídeo (MP4, MOV, WebM, MKV, AVI)"


@router.get("", response_model=Page[AdRead])
async def list_ads(
    user: CurrentUser,
    session: DbSession,
    scope: ItemScope,
    filters: Filters,
    page: Pagination,
    now: RequestTime,
) -> Page[AdRead]:
    """Lista os anúncios que o usuário pode ver, por id."""
    result = await ad_service.list_visible(
        session, user=user, filters=filters, page=page, now=now
    )
    return page_of(result, lambda ad: AdRead.present(ad, scope=scope, now=now))


@router.post(
    "",
    response_model=AdRead,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_RESPONSES,
    openapi_extra=item_request_body(
        AdCreate,
        file_required=True,
        file_description=_FILE,
        description="multipart/form-data com `arquivo` (obrigatório; "
        "JSON sem arquivo é 422)",
    ),
)
async def create_ad(
    user: WriterUser,
    body: AdCreateBody,
    session: DbSession,
    scope: ItemScope,
    storage: Storage,
    settings: AppSettings,
    now: RequestTime,
) -> AdRead:
    """Cria um anúncio com a mídia enviada em `arquivo`."""
    ad = await ad_service.create(
        session,
        body.data,
        upload=body.upload,
        scope=scope,
        storage=storage,
        settings=settings,
        now=now,
    )
    return AdRead.present(ad, scope=scope, now=now)


@router.get("/{ad_id}", response_model=AdRead)
async def get_ad(ad: VisibleAd, scope: ItemScope, now: RequestTime) -> AdRead:
    """Mostra um anúncio."""
    return AdRead.present(ad, scope=scope, now=now)


@router.put(
    "/{ad_id}",
    response_model=AdRead,
    responses=WRITE_RESPONSES,
    openapi_extra=item_request_body(
        AdUpdate,
        file_required=False,
        file_description=f"nova mídia, que substitui a atual: {_FILE}",
        description="só os campos enviados mudam; em multipart, valor vazio "
        "limpa um campo opcional",
    ),
)
async def update_ad(
    ad: EditableAd,
    body: AdUpdateBody,
    session: DbSession,
    scope: ItemScope,
    storage: Storage,
    settings: AppSettings,
    now: RequestTime,
) -> AdRead:
    """Altera um anúncio (corpo parcial); um novo `arquivo` substitui a mídia."""
    ad = await ad_service.update(
        session,
        ad,
        body.data,
        upload=body.upload,
        scope=scope,
        storage=storage,
        settings=settings,
        now=now,
    )
    return AdRead.present(ad, scope=scope, now=now)


@router.delete("/{ad_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_ad(ad: EditableAd, session: DbSession, storage: Storage) -> None:
    """Exclui um anúncio e a sua mídia."""
    await ad_service.delete(session, ad, storage=storage)
