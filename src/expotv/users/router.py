"""``/usuarios``: user management, Master only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from expotv.auth.dependencies import AdminUser, CurrentSessionId
from expotv.db import utcnow
from expotv.deps import DbSession
from expotv.pagination import Pagination
from expotv.users import service as user_service
from expotv.users.dependencies import ManagedUser
from expotv.users.schemas import (
    ROLE_BY_LEVEL,
    Level,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)

router = APIRouter(prefix="/usuarios", tags=["usuarios"])


@router.get("", response_model=UserPage)
async def list_users(
    session: DbSession,
    _: AdminUser,
    page: Pagination,
    level: Annotated[
        Level | None, Query(alias="nivel", description="filtra pelo nível")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="busca em nome e e-mail")
    ] = None,
    is_active: Annotated[
        bool | None, Query(alias="ativo", description="filtra por ativos")
    ] = None,
) -> UserPage:
    """Lista os usuários (filtros: nivel, q, ativo)."""
    result = await user_service.list_users(
        session,
        params=page,
        role=ROLE_BY_LEVEL[level] if level else None,
        text=q,
        is_active=is_active,
    )
    ids = await user_service.condominium_ids(session, result.items)
    return UserPage(
        items=[UserRead.build(u, ids[u.id]) for u in result.items],
        total=result.total,
        limit=result.limit,
        offset=result.offset,
    )


@router.post("", response_model=UserRead, status_code=status.HTTP_201_CREATED)
async def create_user(data: UserCreate, session: DbSession, _: AdminUser) -> UserRead:
    """Cria um usuário de qualquer nível."""
    user = await user_service.create(session, data)
    return await user_service.read(session, user)


@router.get("/{user_id}", response_model=UserRead)
async def get_user(user: ManagedUser, session: DbSession) -> UserRead:
    """Mostra um usuário."""
    return await user_service.read(session, user)


@router.put("/{user_id}", response_model=UserRead)
async def update_user(
    changes: UserUpdate,
    user: ManagedUser,
    actor: AdminUser,
    actor_session_id: CurrentSessionId,
    session: DbSession,
) -> UserRead:
    """Altera um usuário; nova senha ou desativação encerram as sessões dele."""
    updated = await user_service.update(
        session,
        user,
        changes,
        actor=actor,
        actor_session_id=actor_session_id,
        now=utcnow(),
    )
    return await user_service.read(session, updated)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_user(user: ManagedUser, actor: AdminUser, session: DbSession) -> None:
    """Exclui um usuário; os tokens dele param de valer na hora."""
    await user_service.delete(session, user, actor=actor)
