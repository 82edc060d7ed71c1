from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from expotv.auth.dependencies import CurrentUser
from expotv.condominiums import service
from expotv.condominiums.dependencies import Condominiums, VisibleCondominium
from expotv.condominiums.schemas import (
    CondominiumCreate,
    CondominiumRead,
    CondominiumUpdate,
)
from expotv.deps import DbSession
from expotv.pagination import Page, Pagination
from expotv.schemas import RowId

router = APIRouter(prefix="/condominios", tags=["condominios"])


@router.get("", response_model=Page[CondominiumRead])
async def list_condominiums(
    user: CurrentUser,
    session: DbSession,
    condominiums: Condominiums,
    page: Pagination,
    q: Annotated[
        str | None, Query(max_length=200, description="busca no nome e endereço")
    ] = None,
    manager_id: Annotated[RowId | None, Query(alias="sindico_id")] = None,
) -> Page[CondominiumRead]:
    """Lista os condomínios que o usuário pode ver."""
    result = await service.list_visible(
        session, user=user, params=page, text=q, manager_id=manager_id
    )
    return await condominiums.page(result)


@router.post("", response_model=CondominiumRead, status_code=status.HTTP_201_CREATED)
async def create_condominium(
    data: CondominiumCreate,
    user: CurrentUser,
    session: DbSession,
    condominiums: Condominiums,
) -> CondominiumRead:
    """Cria um condomínio (um Síndico vira o síndico dele, dentro do seu limite)."""
    return await condominiums.one(await service.create(session, data, user=user))


@router.get("/{condominium_id}", response_model=CondominiumRead)
async def get_condominium(
    condominium: VisibleCondominium, condominiums: Condominiums
) -> CondominiumRead:
    """Mostra um condomínio com as suas TVs."""
    return await condominiums.one(condominium)


@router.put("/{condominium_id}", response_model=CondominiumRead)
async def update_condominium(
    changes: CondominiumUpdate,
    condominium: VisibleCondominium,
    user: CurrentUser,
    session: DbSession,
    condominiums: Condominiums,
) -> CondominiumRead:
    """Altera nome, endereço, síndico ou fuso horário de um condomínio (corpo
    parcial)."""
    updated = await service.update(session, condominium, changes, user=user)
    return await condominiums.one(updated)


@router.delete("/{condominium_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_condominium(
    condominium: VisibleCondominium,
    user: CurrentUser,
    session: DbSession,
    force: Annotated[
        bool, Query(description="exclui também as TVs (somente Master)")
    ] = False,
) -> None:
    """Exclui um condomínio; com TVs, só com force=true (somente Master)."""
    await service.delete(session, condominium, user=user, force=force)
