"""Condomínios: the list, one condomínio with its TVs, and the forms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.condominiums import repository as condominium_repository
from expotv.condominiums import service as condominium_service
from expotv.condominiums.models import Condominium
from expotv.condominiums.schemas import CondominiumCreate, CondominiumUpdate
from expotv.config import Settings
from expotv.context import context_of
from expotv.db import utcnow
from expotv.deps import AppSettings, DbSession
from expotv.schemas import MAX_ID
from expotv.ui.painel import forms, lookups, render
from expotv.ui.painel.guard import painel_router
from expotv.ui.painel.session import CurrentVisitor, Visitor
from expotv.ui.painel.tvs import status_payload

router = painel_router(prefix="/painel/condominios")

CondominiumId = Annotated[int, Path(ge=1, le=MAX_ID)]
_FIELDS = ("nome", "endereco", "sindico_id", "fuso_horario")
# The zones of Brazil (the API takes any IANA name; these are what people pick).
BRAZIL_ZONES = [
    ("America/Sao_Paulo", "Brasília: SP, RJ, MG, ES, Sul, GO, DF"),
    ("America/Bahia", "Bahia"),
    ("America/Fortaleza", "CE, RN, PB, PI, MA"),
    ("America/Recife", "Pernambuco"),
    ("America/Maceio", "Alagoas e Sergipe"),
    ("America/Belem", "Pará (leste) e Amapá"),
    ("America/Santarem", "Pará (oeste)"),
    ("America/Araguaina", "Tocantins"),
    ("America/Cuiaba", "Mato Grosso"),
    ("America/Campo_Grande", "Mato Grosso do Sul"),
    ("America/Porto_Velho", "Rondônia"),
    ("America/Manaus", "Amazonas"),
    ("America/Boa_Vista", "Roraima"),
    ("America/Rio_Branco", "Acre"),
    ("America/Eirunepe", "Amazonas (oeste)"),
    ("America/Noronha", "Fernando de Noronha"),
]


def _values(
    form_values: dict[str, Any], visitor: Visitor, sent: set[str]
) -> dict[str, Any]:
    """The form as the API body: only the Master picks a síndico (blank: none)."""
    values = {k: v for k, v in form_values.items() if k in _FIELDS}
    if not visitor.is_admin:
        values.pop("sindico_id", None)
    elif "sindico_id" in sent and "sindico_id" not in values:
        values["sindico_id"] = None
    if "endereco" in sent and "endereco" not in values:
        values["endereco"] = ""
    if "fuso_horario" in sent and "fuso_horario" not in values:
        values["fuso_horario"] = None  # blank: follow EXPOTV_TIMEZONE
    return values


def zone_choices(current: str | None) -> list[tuple[str, str]]:
    """The zones offered, with the condomínio's own when it is none of them."""
    known = {name for name, _ in BRAZIL_ZONES}
    extra = [(current, current)] if current and current not in known else []
    return [*BRAZIL_ZONES, *extra]


@router.get("")
async def list_condominiums(
    request: Request,
    visitor: CurrentVisitor,
    session: DbSession,
    settings: AppSettings,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    result = await condominium_service.list_visible(
        session, user=visitor.user, params=render.page_params(request), text=q
    )
    now = utcnow()
    managers = await lookups.user_names(
        session,
        {c.manager_id for c in result.items if c.manager_id is not None},
        user=visitor.user,
    )
    presence = context_of(request.app).presence
    pending = await presence.pending(tv for c in result.items for tv in c.tvs)
    rows = []
    for condominium in result.items:
        states = [
            status_payload(tv, now=now, presence=presence, pending=pending)
            for tv in condominium.tvs
        ]
        online = sum(1 for s in states if s["status"] == "online")
        rows.append((condominium, online, len(states) - online))
    return render.view(
        request,
        visitor,
        "condominios.html",
        section="condominios",
        zone=await lookups.zone_for(
            session, user=visitor.user, settings=context_of(request.app).settings
        ),
        rows=rows,
        managers=managers,
        total=result.total,
        pager=render.pager(request, result.total),
        q=q or "",
        can_create=not visitor.is_viewer,
    )


async def _form_page(
    request: Request,
    visitor: Visitor,
    session: AsyncSession,
    *,
    condominium: Condominium | None,
    values: dict[str, Any],
    errors: forms.FormErrors,
    status_code: int | None = None,
) -> Response:
    return render.view(
        request,
        visitor,
        "condominio_form.html",
        section="condominios",
        zones=zone_choices(values.get("fuso_horario")),
        default_zone=context_of(request.app).settings.timezone,
        condominium=condominium,
        managers=await lookups.managers(session) if visitor.is_admin else [],
        values=values,
        errors=errors,
        status_code=status_code,
    )


@router.get("/novo")
async def new_condominium(
    request: Request, visitor: CurrentVisitor, session: DbSession
) -> Response:
    return await _form_page(
        request,
        visitor,
        session,
        condominium=None,
        values={},
        errors=forms.FormErrors(),
    )


@router.post("/novo")
async def create_condominium(
    request: Request, visitor: CurrentVisitor, session: DbSession
) -> Response:
    form = await forms.read_form(request)
    values = _values(forms.form_dict(form), visitor, set(form.keys()))
    if values.get("sindico_id") is None:
        values.pop("sindico_id", None)

    async def create() -> Condominium:
        data = forms.validate(CondominiumCreate, values)
        return await condominium_service.create(session, data, user=visitor.user)

    return await forms.submit(
        request,
        session,
        create,
        keep=[visitor.user],
        then=lambda created: f"/painel/condominios/{created.id}?ok=condominio_criado",
        again=lambda errors: _form_page(
            request, visitor, session, condominium=None, values=values, errors=errors
        ),
    )


async def _visible(
    session: AsyncSession, condominium_id: int, visitor: Visitor
) -> Condominium:
    return await condominium_service.get_visible(
        session, condominium_id, user=visitor.user
    )


@router.get("/{condominium_id}")
async def show_condominium(
    request: Request,
    condominium_id: CondominiumId,
    visitor: CurrentVisitor,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    condominium = await _visible(session, condominium_id, visitor)
    return await _detail_page(request, visitor, session, settings, condominium)


async def _detail_page(
    request: Request,
    visitor: Visitor,
    session: AsyncSession,
    settings: Settings,
    condominium: Condominium,
    *,
    delete_error: str = "",
    status_code: int | None = None,
) -> Response:
    now = utcnow()
    managers = await lookups.user_names(
        session,
        [condominium.manager_id] if condominium.manager_id else [],
        user=visitor.user,
    )
    can_write = not visitor.is_viewer and await condominium_repository.is_writable(
        session, condominium.id, visitor.user
    )
    presence = context_of(request.app).presence
    pending = await presence.pending(condominium.tvs)
    return render.view(
        request,
        visitor,
        "condominio.html",
        section="condominios",
        zone=await lookups.zone_for(
            session,
            user=visitor.user,
            settings=settings,
            condominium_ids=[condominium.id],
        ),
        condominium=condominium,
        manager_name=managers.get(condominium.manager_id or 0, ""),
        tvs=[
            (tv, status_payload(tv, now=now, presence=presence, pending=pending))
            for tv in condominium.tvs
        ],
        can_write=can_write,
        delete_error=delete_error,
        status_code=status_code,
    )


@router.get("/{condominium_id}/editar")
async def edit_condominium(
    request: Request,
    condominium_id: CondominiumId,
    visitor: CurrentVisitor,
    session: DbSession,
) -> Response:
    condominium = await _visible(session, condominium_id, visitor)
    values = {
        "nome": condominium.name,
        "endereco": condominium.address,
        "sindico_id": condominium.manager_id,
        "fuso_horario": condominium.timezone,
    }
    return await _form_page(
        request,
        visitor,
        session,
        condominium=condominium,
        values=values,
        errors=forms.FormErrors(),
    )


@router.post("/{condominium_id}/editar")
async def update_condominium(
    request: Request,
    condominium_id: CondominiumId,
    visitor: CurrentVisitor,
    session: DbSession,
) -> Response:
    condominium = await _visible(session, condominium_id, visitor)
    form = await forms.read_form(request)
    values = _values(forms.form_dict(form), visitor, set(form.keys()))

    async def save() -> Condominium:
        changes = forms.validate(CondominiumUpdate, values)
        return await condominium_service.update(
            session, condominium, changes, user=visitor.user
        )

    async def again(errors: forms.FormErrors) -> Response:
        return await _form_page(
            request,
            visitor,
            session,
            condominium=await _visible(session, condominium_id, visitor),
            values=values,
            errors=errors,
        )

    return await forms.submit(
        request,
        session,
        save,
        keep=[visitor.user],
        then=lambda saved: f"/painel/condominios/{saved.id}?ok=condominio_salvo",
        again=again,
    )


@router.post("/{condominium_id}/excluir")
async def delete_condominium(
    request: Request,
    condominium_id: CondominiumId,
    visitor: CurrentVisitor,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    condominium = await _visible(session, condominium_id, visitor)
    form = await forms.read_form(request)
    force = form.get("force") == "1"

    async def delete() -> bool:
        await condominium_service.delete(
            session, condominium, user=visitor.user, force=force
        )
        return True

    async def again(errors: forms.FormErrors) -> Response:
        return await _detail_page(
            request,
            visitor,
            session,
            settings,
            await _visible(session, condominium_id, visitor),
            delete_error=errors.general,
            status_code=errors.status_code,
        )

    return await forms.submit(
        request,
        session,
        delete,
        keep=[visitor.user],
        then=lambda _: "/painel/condominios?ok=condominio_excluido",
        again=again,
    )
