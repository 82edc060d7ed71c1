from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse

from expotv.auth.dependencies import CurrentUser
from expotv.deps import AppSettings, DbSession, RequestTime
from expotv.pagination import Page, Pagination
from expotv.playlist import overview
from expotv.playlist.schemas import TVPlaylistRead
from expotv.schemas import RowId
from expotv.tvs import service
from expotv.tvs.dependencies import TVs, VisibleTV
from expotv.tvs.models import TVStatus
from expotv.tvs.repository import TVFilters
from expotv.tvs.schemas import (
    TVCreate,
    TVRatiosUpdate,
    TVRead,
    TVStatusRead,
    TVUpdate,
)

router = APIRouter(prefix="/tvs", tags=["tvs"])


@router.get("", response_model=Page[TVRead])
async def list_tvs(
    user: CurrentUser,
    session: DbSession,
    tvs: TVs,
    page: Pagination,
    condominium_id: Annotated[RowId | None, Query(alias="condominio_id")] = None,
    status_filter: Annotated[TVStatus | None, Query(alias="status")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="busca no nome e código")
    ] = None,
) -> Page[TVRead]:
    """Lista as TVs que o usuário pode ver."""
    filters = TVFilters(condominium_id=condominium_id, status=status_filter, text=q)
    result = await service.list_visible(
        session, filters, user=user, params=page, now=tvs.now, presence=tvs.presence
    )
    return await tvs.page(result)


@router.post("", response_model=TVRead, status_code=status.HTTP_201_CREATED)
async def create_tv(
    data: TVCreate, user: CurrentUser, session: DbSession, tvs: TVs
) -> TVRead:
    """Cadastra uma TV num condomínio; o código dela é gerado."""
    return await tvs.one(await service.create(session, data, user=user))


@router.get("/{tv_id}", response_model=TVRead)
async def get_tv(tv: VisibleTV, tvs: TVs) -> TVRead:
    """Mostra uma TV."""
    return await tvs.one(tv)


@router.put("/{tv_id}", response_model=TVRead)
async def update_tv(
    changes: TVUpdate, tv: VisibleTV, user: CurrentUser, session: DbSession, tvs: TVs
) -> TVRead:
    """Altera nome, condomínio ou proporções de uma TV (corpo parcial)."""
    return await tvs.one(await service.update(session, tv, changes, user=user))


@router.delete("/{tv_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_tv(tv: VisibleTV, user: CurrentUser, session: DbSession) -> None:
    """Exclui uma TV (o código dela deixa de valer)."""
    await service.delete(session, tv, user=user)


@router.get("/{tv_id}/status", response_model=TVStatusRead)
async def get_tv_status(tv: VisibleTV, tvs: TVs) -> TVStatusRead:
    """Diz se a TV está online e há quantos segundos foi o último ping."""
    return await tvs.status(tv)


@router.get("/{tv_id}/playlist", response_model=TVPlaylistRead)
async def get_tv_playlist(
    tv: VisibleTV, session: DbSession, settings: AppSettings, now: RequestTime
) -> Any:
    """O que a TV passa agora e, em `fora`, por que o resto não passa (não é um
    ping)."""
    body = await overview.what_plays(session, tv.id, now=now, settings=settings)
    # The TV's own content body, as it gets it, plus ``fora``.
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.put("/{tv_id}/proporcao", response_model=TVRead)
async def set_tv_ratios(
    changes: TVRatiosUpdate,
    tv: VisibleTV,
    user: CurrentUser,
    session: DbSession,
    tvs: TVs,
) -> TVRead:
    """Define quantos anúncios, avisos e notícias a TV exibe por ciclo."""
    return await tvs.one(await service.set_ratios(session, tv, changes, user=user))
