"""Usuários (Master only): levels, limits, a Visitante's condomínios."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.auth.policy import ensure_admin
from expotv.db import utcnow
from expotv.deps import DbSession
from expotv.schemas import MAX_ID
from expotv.ui.painel import forms, lookups, render
from expotv.ui.painel.guard import painel_router
from expotv.ui.painel.session import LEVEL_LABELS, CurrentVisitor, Visitor
from expotv.users import service as user_service
from expotv.users.models import User
from expotv.users.schemas import (
    LEVEL_BY_ROLE,
    ROLE_BY_LEVEL,
    Level,
    UserCreate,
    UserUpdate,
)

router = painel_router(prefix="/painel/usuarios")

UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
LIST_FIELDS = ("condominios_ids",)
LEVEL_CHOICES = [(level.value, LEVEL_LABELS[ROLE_BY_LEVEL[level]]) for level in Level]


def _admin(visitor: Visitor) -> Visitor:
    ensure_admin(visitor.user)
    return visitor


@router.get("")
async def list_users(
    request: Request,
    visitor: CurrentVisitor,
    session: DbSession,
    nivel: Level | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    _admin(visitor)
    result = await user_service.list_users(
        session,
        params=render.page_params(request),
        role=ROLE_BY_LEVEL[nivel] if nivel else None,
        text=q,
    )
    ids = await user_service.condominium_ids(session, result.items)
    names = await lookups.condominium_names(
        session, {i for values in ids.values() for i in values}, user=visitor.user
    )
    return render.view(
        request,
        visitor,
        "usuarios.html",
        section="usuarios",
        users=[
            (u, LEVEL_LABELS[u.role], [names.get(i, f"#{i}") for i in ids[u.id]])
            for u in result.items
        ],
        total=result.total,
        pager=render.pager(request, result.total),
        levels=LEVEL_CHOICES,
        filters={"nivel": nivel.value if nivel else "", "q": q or ""},
    )


async def _form_page(
    request: Request,
    visitor: Visitor,
    session: AsyncSession,
    *,
    account: User | None,
    values: dict[str, Any],
    errors: forms.FormErrors,
    status_code: int | None = None,
) -> Response:
    return render.view(
        request,
        visitor,
        "usuario_form.html",
        section="usuarios",
        account=account,
        levels=LEVEL_CHOICES,
        condominiums=await lookups.readable_condominiums(session, user=visitor.user),
        values=values,
        chosen={str(i) for i in values.get("condominios_ids", [])},
        errors=errors,
        status_code=status_code,
    )


def _values_of(form_values: dict[str, Any]) -> dict[str, Any]:
    values = dict(form_values)
    values["ativo"] = values.get("ativo") == "true"
    return values


@router.get("/novo")
async def new_user(
    request: Request, visitor: CurrentVisitor, session: DbSession
) -> Response:
    _admin(visitor)
    defaults = {
        "nivel": Level.SINDICO.value,
        "ativo": True,
        "limite_anuncios": 10,
        "limite_avisos": 10,
        "limite_condominios": 1,
    }
    return await _form_page(
        request,
        visitor,
        session,
        account=None,
        values=defaults,
        errors=forms.FormErrors(),
    )


@router.post("/novo")
async def create_user(
    request: Request, visitor: CurrentVisitor, session: DbSession
) -> Response:
    _admin(visitor)
    values = _values_of(
        forms.form_dict(await forms.read_form(request), lists=LIST_FIELDS)
    )

    async def create() -> User:
        return await user_service.create(session, forms.validate(UserCreate, values))

    return await forms.submit(
        request,
        session,
        create,
        keep=[visitor.user],
        then=lambda created: f"/painel/usuarios/{created.id}?ok=usuario_criado",
        again=lambda errors: _form_page(
            request, visitor, session, account=None, values=values, errors=errors
        ),
    )


@router.get("/{user_id}")
async def show_user(
    request: Request, user_id: UserId, visitor: CurrentVisitor, session: DbSession
) -> Response:
    _admin(visitor)
    return await _account_page(request, visitor, session, user_id)


async def _account_page(
    request: Request,
    visitor: Visitor,
    session: AsyncSession,
    user_id: int,
    errors: forms.FormErrors | None = None,
) -> Response:
    """The account as stored, in its form (with the errors of a refused delete)."""
    account = await user_service.get(session, user_id)
    ids = await user_service.condominium_ids(session, [account])
    values = {
        "nome": account.name,
        "email": account.email,
        "nivel": LEVEL_BY_ROLE[account.role].value,
        "ativo": account.is_active,
        "limite_anuncios": account.ad_limit,
        "limite_avisos": account.notice_limit,
        "limite_condominios": account.condominium_limit,
        "condominios_ids": ids[account.id],
    }
    errors = errors or forms.FormErrors()
    return await _form_page(
        request,
        visitor,
        session,
        account=account,
        values=values,
        errors=errors,
    )


@router.post("/{user_id}")
async def update_user(
    request: Request, user_id: UserId, visitor: CurrentVisitor, session: DbSession
) -> Response:
    _admin(visitor)
    account = await user_service.get(session, user_id)
    values = _values_of(
        forms.form_dict(await forms.read_form(request), lists=LIST_FIELDS)
    )

    async def save() -> User:
        return await user_service.update(
            session,
            account,
            forms.validate(UserUpdate, values),
            actor=visitor.user,
            actor_session_id=visitor.session_id,
            now=utcnow(),
        )

    return await forms.submit(
        request,
        session,
        save,
        keep=[visitor.user, account],
        then=lambda saved: f"/painel/usuarios/{saved.id}?ok=usuario_salvo",
        again=lambda errors: _form_page(
            request, visitor, session, account=account, values=values, errors=errors
        ),
    )


@router.post("/{user_id}/excluir")
async def delete_user(
    request: Request, user_id: UserId, visitor: CurrentVisitor, session: DbSession
) -> Response:
    _admin(visitor)
    account = await user_service.get(session, user_id)

    async def delete() -> bool:
        await user_service.delete(session, account, actor=visitor.user)
        return True

    return await forms.submit(
        request,
        session,
        delete,
        keep=[visitor.user],
        then=lambda _: "/painel/usuarios?ok=usuario_excluido",
        again=lambda errors: _account_page(request, visitor, session, user_id, errors),
    )
