"""Condomínios: the list, one condomínio with its TVs, and the forms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Response

from expotv.condominiums import repository as condominium_repository
from expotv.condominiums import service as condominium_service
from expotv.condominiums.models import Condominium
from expotv.condominiums.schemas import CondominiumCreate, CondominiumUpdate
from expotv.schemas import MAX_ID
from expotv.ui.painel import forms, lookups
from expotv.ui.painel.guard import painel_router
from expotv.ui.painel.page import FormPage, Painel, PainelRequest, SearchText
from expotv.ui.painel.session import Visitor
from expotv.ui.painel.tvs import tv_states

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
async def list_condominiums(painel: Painel, q: SearchText = None) -> Response:
    result = await condominium_service.list_visible(
        painel.session, user=painel.user, params=painel.page_params(), text=q
    )
    managers = await lookups.user_names(
        painel.session,
        {c.manager_id for c in result.items if c.manager_id is not None},
        user=painel.user,
    )
    states = await tv_states(painel, [tv for c in result.items for tv in c.tvs])
    rows = []
    for condominium in result.items:
        online = sum(1 for tv in condominium.tvs if states[tv.id]["status"] == "online")
        rows.append((condominium, online, len(condominium.tvs) - online))
    return painel.list_view(
        "condominios.html",
        section="condominios",
        result=result,
        zone=await painel.zone(),
        rows=rows,
        managers=managers,
        q=q or "",
        can_create=not painel.visitor.is_viewer,
    )


async def _choices(painel: PainelRequest, values: dict[str, Any]) -> dict[str, Any]:
    is_admin = painel.visitor.is_admin
    return {
        "zones": [
            (name, f"{label} ({name})")
            for name, label in zone_choices(values.get("fuso_horario"))
        ],
        "default_zone": painel.settings.timezone,
        "managers": await lookups.managers(painel.session) if is_admin else [],
    }


CONDOMINIUM_FORM = FormPage("condominio_form.html", "condominios", _choices)


@router.get("/novo")
async def new_condominium(painel: Painel) -> Response:
    return await CONDOMINIUM_FORM(painel, {}, condominium=None)


async def _posted(painel: PainelRequest) -> dict[str, Any]:
    form = await painel.form()
    return _values(forms.form_dict(form), painel.visitor, set(form.keys()))


@router.post("/novo")
async def create_condominium(painel: Painel) -> Response:
    values = await _posted(painel)
    if values.get("sindico_id") is None:
        values.pop("sindico_id", None)

    async def create() -> Condominium:
        data = forms.validate(CondominiumCreate, values)
        return await condominium_service.create(painel.session, data, user=painel.user)

    return await painel.submit(
        create,
        then=lambda created: f"/painel/condominios/{created.id}?ok=condominio_criado",
        again=lambda errors: CONDOMINIUM_FORM(painel, values, errors, condominium=None),
    )


async def _visible(painel: PainelRequest, condominium_id: int) -> Condominium:
    return await condominium_service.get_visible(
        painel.session, condominium_id, user=painel.user
    )


@router.get("/{condominium_id}")
async def show_condominium(condominium_id: CondominiumId, painel: Painel) -> Response:
    return await _detail_page(painel, condominium_id)


async def _detail_page(
    painel: PainelRequest, condominium_id: int, errors: forms.FormErrors | None = None
) -> Response:
    """The condomínio with its TVs (and why a delete was refused)."""
    condominium = await _visible(painel, condominium_id)
    managers = await lookups.user_names(
        painel.session,
        [condominium.manager_id] if condominium.manager_id else [],
        user=painel.user,
    )
    can_write = (
        not painel.visitor.is_viewer
        and await condominium_repository.is_writable(
            painel.session, condominium.id, painel.user
        )
    )
    states = await tv_states(painel, condominium.tvs)
    return painel.view(
        "condominio.html",
        section="condominios",
        zone=await painel.zone([condominium.id]),
        condominium=condominium,
        manager_name=managers.get(condominium.manager_id or 0, ""),
        tvs=[(tv, states[tv.id]) for tv in condominium.tvs],
        can_write=can_write,
        errors=errors or forms.FormErrors(),
    )


@router.get("/{condominium_id}/editar")
async def edit_condominium(condominium_id: CondominiumId, painel: Painel) -> Response:
    condominium = await _visible(painel, condominium_id)
    values = {
        "nome": condominium.name,
        "endereco": condominium.address,
        "sindico_id": condominium.manager_id,
        "fuso_horario": condominium.timezone,
    }
    return await CONDOMINIUM_FORM(painel, values, condominium=condominium)


@router.post("/{condominium_id}/editar")
async def update_condominium(condominium_id: CondominiumId, painel: Painel) -> Response:
    condominium = await _visible(painel, condominium_id)
    values = await _posted(painel)

    async def save() -> Condominium:
        changes = forms.validate(CondominiumUpdate, values)
        return await condominium_service.update(
            painel.session, condominium, changes, user=painel.user
        )

    async def again(errors: forms.FormErrors) -> Response:
        fresh = await _visible(painel, condominium_id)
        return await CONDOMINIUM_FORM(painel, values, errors, condominium=fresh)

    return await painel.submit(
        save,
        then=lambda saved: f"/painel/condominios/{saved.id}?ok=condominio_salvo",
        again=again,
    )


@router.post("/{condominium_id}/excluir")
async def delete_condominium(condominium_id: CondominiumId, painel: Painel) -> Response:
    condominium = await _visible(painel, condominium_id)
    force = (await painel.form()).get("force") == "1"

    async def delete() -> bool:
        await condominium_service.delete(
            painel.session, condominium, user=painel.user, force=force
        )
        return True

    return await painel.submit(
        delete,
        then=lambda _: "/painel/condominios?ok=condominio_excluido",
        again=lambda errors: _detail_page(painel, condominium_id, errors),
    )
