"""Usuários (Master only): levels, limits, a Visitante's condomínios."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Response

from expotv.auth.policy import ensure_admin
from expotv.db import utcnow
from expotv.schemas import MAX_ID
from expotv.ui.painel import forms, lookups
from expotv.ui.painel.guard import painel_router
from expotv.ui.painel.page import FormPage, Painel, PainelRequest, SearchText
from expotv.ui.painel.session import LEVEL_LABELS
from expotv.users import schemas
from expotv.users import service as user_service
from expotv.users.models import User

router = painel_router(prefix="/painel/usuarios")

UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
LIST_FIELDS = ("condominios_ids",)
LEVEL_CHOICES = [
    (level.value, LEVEL_LABELS[schemas.ROLE_BY_LEVEL[level]]) for level in schemas.Level
]
NEW_USER = {
    "nivel": schemas.Level.SINDICO.value,
    "ativo": True,
    "limite_anuncios": 10,
    "limite_avisos": 10,
    "limite_condominios": 1,
}


def _admin(painel: PainelRequest) -> PainelRequest:
    ensure_admin(painel.user)
    return painel


@router.get("")
async def list_users(
    painel: Painel,
    nivel: schemas.Level | None = None,
    q: SearchText = None,
) -> Response:
    session = _admin(painel).session
    result = await user_service.list_users(
        session,
        params=painel.page_params(),
        role=schemas.ROLE_BY_LEVEL[nivel] if nivel else None,
        text=q,
    )
    ids = await user_service.condominium_ids(session, result.items)
    names = await lookups.condominium_names(
        session, {i for values in ids.values() for i in values}, user=painel.user
    )
    return painel.list_view(
        "usuarios.html",
        section="usuarios",
        result=result,
        users=[
            (u, LEVEL_LABELS[u.role], [names.get(i, f"#{i}") for i in ids[u.id]])
            for u in result.items
        ],
        levels=LEVEL_CHOICES,
        filters={"nivel": nivel.value if nivel else "", "q": q or ""},
    )


async def _choices(painel: PainelRequest, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "levels": LEVEL_CHOICES,
        "condominiums": await lookups.readable_condominiums(
            painel.session, user=painel.user
        ),
        "chosen": {str(i) for i in values.get("condominios_ids", [])},
    }


USER_FORM = FormPage("usuario_form.html", "usuarios", _choices)


async def _posted(painel: PainelRequest) -> dict[str, Any]:
    values = forms.form_dict(await painel.form(), lists=LIST_FIELDS)
    values["ativo"] = values.get("ativo") == "true"
    return values


@router.get("/novo")
async def new_user(painel: Painel) -> Response:
    return await USER_FORM(_admin(painel), dict(NEW_USER), account=None)


@router.post("/novo")
async def create_user(painel: Painel) -> Response:
    values = await _posted(_admin(painel))

    async def create() -> User:
        data = forms.validate(schemas.UserCreate, values)
        return await user_service.create(painel.session, data)

    return await painel.submit(
        create,
        then=lambda created: f"/painel/usuarios/{created.id}?ok=usuario_criado",
        again=lambda errors: USER_FORM(painel, values, errors, account=None),
    )


@router.get("/{user_id}")
async def show_user(user_id: UserId, painel: Painel) -> Response:
    return await _account_page(_admin(painel), user_id)


async def _account_page(
    painel: PainelRequest, user_id: int, errors: forms.FormErrors | None = None
) -> Response:
    """The account as stored, in its form (with the errors of a refused delete)."""
    account = await user_service.get(painel.session, user_id)
    ids = await user_service.condominium_ids(painel.session, [account])
    values = {
        "nome": account.name,
        "email": account.email,
        "nivel": schemas.LEVEL_BY_ROLE[account.role].value,
        "ativo": account.is_active,
        "limite_anuncios": account.ad_limit,
        "limite_avisos": account.notice_limit,
        "limite_condominios": account.condominium_limit,
        "condominios_ids": ids[account.id],
    }
    return await USER_FORM(painel, values, errors, account=account)


@router.post("/{user_id}")
async def update_user(user_id: UserId, painel: Painel) -> Response:
    account = await user_service.get(_admin(painel).session, user_id)
    values = await _posted(painel)

    async def save() -> User:
        return await user_service.update(
            painel.session,
            account,
            forms.validate(schemas.UserUpdate, values),
            actor=painel.user,
            actor_session_id=painel.visitor.session_id,
            now=utcnow(),
        )

    return await painel.submit(
        save,
        keep=[account],
        then=lambda saved: f"/painel/usuarios/{saved.id}?ok=usuario_salvo",
        again=lambda errors: USER_FORM(painel, values, errors, account=account),
    )


@router.post("/{user_id}/excluir")
async def delete_user(user_id: UserId, painel: Painel) -> Response:
    account = await user_service.get(_admin(painel).session, user_id)

    async def delete() -> bool:
        await user_service.delete(painel.session, account, actor=painel.user)
        return True

    return await painel.submit(
        delete,
        then=lambda _: "/painel/usuarios?ok=usuario_excluido",
        again=lambda errors: _account_page(painel, user_id, errors),
    )
