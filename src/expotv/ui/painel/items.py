"""Anúncios and avisos: one set of pages per kind of content item.

``item_pages(kind)`` builds, over the generic item service, what a kind needs:

    GET  /painel/{path}               the list: thumbnails, status, expiry, filters
    GET  /painel/{path}/novo          the form (upload with progress, drag and drop)
    POST /painel/{path}/novo          create: 303 for a plain form, JSON for the
                                      page's script (the API's 4xx, per field)
    GET  /painel/{path}/{id}          the item: media, where it plays, its form
    POST /painel/{path}/{id}          change (a new file replaces the media)
    POST /painel/{path}/{id}/excluir  delete
    GET  /painel/{path}/status.json   status and thumbnail of listed items (a video
                                      turns from ``processando`` into ``ativo``)

A kind's own fields come from its template ``_campos_{code}.html``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError

from expotv import windows as weekly
from expotv.config import Settings
from expotv.content import ContentStatus
from expotv.db import utcnow
from expotv.deps import Storage
from expotv.errors import Forbidden
from expotv.items import repository as items_repo
from expotv.items import service as items
from expotv.items.body import FILE_FIELD, form_fields, form_values, list_fields
from expotv.items.kind import ContentKind
from expotv.items.kinds import KINDS
from expotv.items.models import ContentItem
from expotv.items.repository import ItemFilters
from expotv.items.schemas import ItemRead
from expotv.items.scope import Scope, load_scope
from expotv.pagination import paginate
from expotv.schemas import MAX_ID
from expotv.tvs import repository as tv_repository
from expotv.tvs.models import TV
from expotv.ui.painel import forms, lookups, render
from expotv.ui.painel.guard import painel_router, wants_json
from expotv.ui.painel.page import (
    CondominiumFilter,
    FormPage,
    Painel,
    PainelRequest,
    SearchText,
)
from expotv.ui.painel.session import Visitor

AnyKind = ContentKind[Any, Any, Any, Any]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]

STATUS_LABELS = {
    ContentStatus.ACTIVE: "No ar",
    ContentStatus.INACTIVE: "Pausado",
    ContentStatus.SCHEDULED: "Agendado",
    ContentStatus.PROCESSING: "Processando",
    ContentStatus.ERROR: "Erro",
    ContentStatus.EXPIRED: "Expirado",
}
# A hint for the browser's check before sending; the server decides by the
# file's bytes (``media.validation``).
ACCEPT = (
    ".png,.jpg,.jpeg,.webp,.gif,.mp4,.mov,.webm,.mkv,.avi,"
    "image/png,image/jpeg,image/webp,image/gif,video/mp4,video/quicktime,"
    "video/webm,video/x-matroska,video/x-msvideo,video/avi"
)
DATE_FIELDS = ("data_inicio", "data_expiracao")
# Weekly windows: one row of inputs each (horario-N-dias/-inicio/-fim), sent
# together with a marker so an edit can also clear them all.
WINDOWS = "horarios"
WINDOWS_SENT = "horarios_enviados"
MAX_WINDOW_ROWS = 50
WINDOW_LISTS = tuple(f"horario-{index}-dias" for index in range(MAX_WINDOW_ROWS))
WEEKDAYS = [
    (number, name.capitalize()) for number, name in render.WEEKDAY_NAMES.items()
]
# The aviso form's checkbox that drops the current media (the API's arquivo=null).
REMOVE_MEDIA = "remover_midia"
# What the item forms post: the request edge lets a route take an upload (up to the
# media limit) only when its operation declares multipart (the pages are not in
# the OpenAPI document, but the edge reads the same declaration).
FORM_BODY: dict[str, Any] = {
    "requestBody": {
        "content": {
            "multipart/form-data": {"schema": {"type": "object"}},
            "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
        }
    }
}


@dataclass(frozen=True, slots=True)
class KindPages:
    """How a kind is named on its pages."""

    kind: AnyKind

    @property
    def path(self) -> str:
        return self.kind.names.path.strip("/")

    @property
    def code(self) -> str:
        return self.kind.names.code

    @property
    def singular(self) -> str:
        return self.kind.names.singular

    @property
    def plural(self) -> str:
        return self.kind.names.plural

    @property
    def new_label(self) -> str:
        return self.kind.names.say("Nov{o} {singular}")

    def flash(self, event: str) -> str:
        """The flash message code of base.html: ``anuncio_criado``, ``aviso_salvo``."""
        return f"{self.path.removesuffix('s')}_{event}"

    def url(self, item_id: int | None = None) -> str:
        base = f"/painel/{self.path}"
        return base if item_id is None else f"{base}/{item_id}"


def can_change(kind: AnyKind, item: ContentItem, visitor: Visitor) -> bool:
    """The service's rule, asked without raising: may this person edit it?"""
    try:
        items.ensure_can_change(kind, item, visitor.user)
    except Forbidden:
        return False
    return True


def status_payload(
    pages: KindPages, shown: ItemRead, *, can_edit: bool
) -> dict[str, Any]:
    return {
        "id": shown.id,
        "status": shown.status.value,
        "status_texto": STATUS_LABELS[shown.status],
        "thumbnail_url": shown.thumbnail_url,
        "erro_midia": shown.media_error,
        "pagina": pages.url(shown.id),
        "pode_editar": can_edit,
    }


async def _scope(painel: PainelRequest, kind: AnyKind) -> Scope:
    return await load_scope(
        painel.session, painel.user, with_signers=kind.scope_has_signers
    )


def _upload_limits(settings: Settings) -> dict[str, Any]:
    return {
        "accept": ACCEPT,
        "max_image_bytes": settings.max_image_bytes,
        "max_video_bytes": settings.max_video_bytes,
        "max_image": render.format_bytes(settings.max_image_bytes),
        "max_video": render.format_bytes(settings.max_video_bytes),
        "max_video_seconds": settings.max_video_seconds,
    }


async def _form_values(
    painel: PainelRequest, model: type[Any], item: ContentItem | None = None
) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    """The kind's schema input from the posted form, the upload, and the raw text
    values (to show the form again).

    Dates are read in the zone of the condomínios the item targets (the ones
    chosen, or the item's own); the weekly windows come from their rows.
    """
    form = await painel.form()
    shown = forms.form_dict(form, lists=(*list_fields(model), *WINDOW_LISTS))
    values, upload = form_values(
        form, fields=form_fields(model) - {WINDOWS}, lists=list_fields(model)
    )
    if item is not None and form.get(REMOVE_MEDIA) == "1" and upload is None:
        values[FILE_FIELD] = None
    if form.get(WINDOWS_SENT) == "1":
        values[WINDOWS] = shown[WINDOWS] = windows_of(form)
    targets = values.get("condominios_ids")
    target_ids = (
        [int(t) for t in targets if t.isdigit()]
        if isinstance(targets, list) and targets
        else sorted(item.condominium_ids)
        if item is not None
        else None
    )
    zone = await painel.zone(target_ids)
    return forms.local_datetimes(values, zone, *DATE_FIELDS), upload, shown


def windows_of(form: Any) -> list[dict[str, Any]]:
    """The weekly windows typed in the form's rows; untouched rows are left out."""
    result = []
    for index in range(MAX_WINDOW_ROWS):
        days = form.getlist(f"horario-{index}-dias")
        start = str(form.get(f"horario-{index}-inicio") or "").strip()
        end = str(form.get(f"horario-{index}-fim") or "").strip()
        if days or start or end:
            result.append({"dias": days, "inicio": start, "fim": end})
    return result


def window_rows(windows: Any) -> list[dict[str, Any]]:
    """The rows the form shows: the item's windows, then one empty row."""
    rows = [
        {
            "dias": {str(d) for d in (w.get("dias") or [])},
            "inicio": w.get("inicio", ""),
            "fim": w.get("fim", ""),
        }
        for w in windows or []
    ]
    return [*rows, {"dias": set(), "inicio": "", "fim": ""}][:MAX_WINDOW_ROWS]


def item_pages(kind: AnyKind) -> APIRouter:
    pages = KindPages(kind)
    router = painel_router(prefix=pages.url())
    read_schema: type[ItemRead] = kind.read_schema

    def present(item: ContentItem, scope: Scope, now: datetime) -> ItemRead:
        return read_schema.present(item, scope=scope, now=now)

    async def choices(painel: PainelRequest, values: dict[str, Any]) -> dict[str, Any]:
        session, user = painel.session, painel.user
        is_admin = painel.visitor.is_admin
        return {
            "pages": pages,
            "chosen": {str(v) for v in values.get("condominios_ids") or []},
            "signers_chosen": {str(v) for v in values.get("sindico_ids") or []},
            "tvs_chosen": {str(v) for v in values.get("tvs_ids") or []},
            "screens_to_choose": await lookups.writable_tvs(session, user=user),
            "window_rows": window_rows(values.get(WINDOWS)),
            "weekdays": WEEKDAYS,
            "condominiums": await lookups.writable_condominiums(session, user=user),
            "signers": await lookups.managers(session) if is_admin else [],
            "limits": _upload_limits(painel.settings),
        }

    new_form = FormPage("item_novo.html", pages.path, choices)
    item_form = FormPage("item.html", pages.path, choices)

    async def form_page(
        painel: PainelRequest,
        item: ContentItem | None,
        values: dict[str, Any],
        errors: forms.FormErrors | None = None,
    ) -> Response:
        """The new-item form, or an item's page (its form when it may change it)."""
        if item is None:
            return await new_form(
                painel,
                values,
                errors,
                item=None,
                can_edit=False,
                zone=await painel.zone(),
            )
        shown = present(item, await _scope(painel, kind), utcnow())
        return await item_form(
            painel,
            values,
            errors,
            **await _about(painel, shown),
            can_edit=can_change(kind, item, painel.visitor),
            zone=await painel.zone(item.condominium_ids),
        )

    @router.get("")
    async def list_items(
        painel: Painel,
        condominio_id: CondominiumFilter = None,
        status: ContentStatus | None = None,
        q: SearchText = None,
    ) -> Response:
        now = utcnow()
        filters = ItemFilters(condominium_id=condominio_id, status=status, query=q)
        # The API's list, newest first: what was just published is on top.
        query = items_repo.list_visible(kind, painel.user, filters, now=now)
        newest_first = query.order_by(None).order_by(kind.model.id.desc())
        result = await paginate(painel.session, newest_first, painel.page_params())
        scope = await _scope(painel, kind)
        shown = [present(item, scope, now) for item in result.items]
        names = await lookups.condominium_names(
            painel.session,
            {c for s in shown for c in s.condominium_ids},
            user=painel.user,
        )
        return painel.list_view(
            "itens.html",
            section=pages.path,
            result=result,
            pages=pages,
            rows=[
                (s, [names[c] for c in s.condominium_ids if c in names]) for s in shown
            ],
            condominiums=await lookups.readable_condominiums(
                painel.session, user=painel.user
            ),
            filters={
                "condominio_id": condominio_id,
                "status": status.value if status else "",
                "q": q or "",
            },
            can_create=not painel.visitor.is_viewer,
        )

    @router.get("/status.json")
    async def statuses(
        painel: Painel, ids: Annotated[str, Query(max_length=2000)] = ""
    ) -> JSONResponse:
        """Status and thumbnail of the listed items the caller may see."""
        now = utcnow()
        found: list[ContentItem] = []
        if wanted := forms.id_list(ids):
            query = items_repo.list_visible(kind, painel.user, ItemFilters(), now=now)
            query = query.where(kind.model.id.in_(wanted))
            found = list(await painel.session.scalars(query))
        scope = await _scope(painel, kind)
        payloads = [
            status_payload(
                pages,
                present(item, scope, now),
                can_edit=can_change(kind, item, painel.visitor),
            )
            for item in found
        ]
        return JSONResponse({"itens": payloads}, headers={"Cache-Control": "no-store"})

    @router.get("/novo")
    async def new_item(painel: Painel) -> Response:
        targets = await lookups.writable_condominiums(painel.session, user=painel.user)
        values: dict[str, Any] = {"status": "ativo"}
        if len(targets) == 1:
            values["condominios_ids"] = [targets[0].id]
        return await form_page(painel, None, values)

    async def write(
        painel: PainelRequest,
        action: Callable[[], Awaitable[ContentItem]],
        *,
        done: str,
        again: Callable[[forms.FormErrors], Awaitable[Response]],
    ) -> Response:
        """A write from the plain form (303) or from the page's script (JSON)."""
        if wants_json(painel.request):
            return await _json_write(action, done)
        return await painel.submit(action, then=lambda _: done, again=again)

    @router.post("/novo", openapi_extra=FORM_BODY)
    async def create_item(painel: Painel, storage: Storage) -> Response:
        now = utcnow()
        values, upload, shown = await _form_values(painel, kind.create_schema)

        async def create() -> ContentItem:
            data = _validated(kind.create_schema, values)
            context = await _write_context(painel, kind, storage, now)
            return await items.create(
                painel.session, kind, data, upload=upload, context=context
            )

        return await write(
            painel,
            create,
            done=f"{pages.url()}?ok={pages.flash('criado')}",
            again=lambda errors: form_page(painel, None, shown, errors),
        )

    async def editable(painel: PainelRequest, item_id: int) -> ContentItem:
        item: ContentItem = await items.get_visible(
            painel.session, kind, item_id, user=painel.user, for_update=True
        )
        items.ensure_can_change(kind, item, painel.user)
        return item

    @router.get("/{item_id}")
    async def show_item(item_id: ItemId, painel: Painel) -> Response:
        item = await items.get_visible(painel.session, kind, item_id, user=painel.user)
        return await form_page(painel, item, _values_of(item))

    @router.post("/{item_id}", openapi_extra=FORM_BODY)
    async def update_item(
        item_id: ItemId, painel: Painel, storage: Storage
    ) -> Response:
        now = utcnow()
        item = await editable(painel, item_id)
        values, upload, shown = await _form_values(painel, kind.update_schema, item)

        async def update() -> ContentItem:
            changes = _validated(kind.update_schema, values)
            context = await _write_context(painel, kind, storage, now)
            return await items.update(
                painel.session, kind, item, changes, upload=upload, context=context
            )

        async def again(errors: forms.FormErrors) -> Response:
            fresh = await items.get_visible(
                painel.session, kind, item_id, user=painel.user
            )
            return await form_page(painel, fresh, shown, errors)

        return await write(
            painel,
            update,
            done=f"{pages.url(item_id)}?ok={pages.flash('salvo')}",
            again=again,
        )

    @router.post("/{item_id}/excluir")
    async def delete_item(
        item_id: ItemId, painel: Painel, storage: Storage
    ) -> Response:
        item = await editable(painel, item_id)
        await items.delete(painel.session, item, storage=storage)
        return RedirectResponse(
            f"{pages.url()}?ok={pages.flash('excluido')}", status_code=303
        )

    return router


async def _write_context(
    painel: PainelRequest, kind: AnyKind, storage: Any, now: datetime
) -> items.WriteContext:
    scope = await _scope(painel, kind)
    return items.WriteContext(
        scope=scope, storage=storage, settings=painel.settings, now=now
    )


def _validated(model: type[Any], values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        # The same 422 the API answers for this body.
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from None


async def _json_write(action: Any, destination: str) -> Response:
    """A write from the page's script: the item, and where to go next.

    A refusal propagates out of the route: the request's unit of work rolls back
    (with the context's hooks) and the guard answers the API's error body.
    """
    item: ContentItem = await action()
    return JSONResponse(
        {
            "id": item.id,
            "status": item.status.value,
            "destino": destination,
        },
        status_code=201 if "criado" in destination else 200,
    )


def _values_of(item: ContentItem) -> dict[str, Any]:
    values: dict[str, Any] = {
        "nome": item.name,
        "condominios_ids": sorted(item.condominium_ids),
        "status": item.requested_status.value,
        "data_inicio": item.starts_at,
        "data_expiracao": item.expires_at,
        "duracao": item.duration_seconds,
        "tvs_ids": sorted(item.tv_ids),
        WINDOWS: [
            {
                "dias": sorted(window.days),
                "inicio": weekly.clock_text(window.start),
                "fim": weekly.clock_text(window.end),
            }
            for window in item.windows
        ],
    }
    for attribute, field in (
        ("message", "mensagem"),
        ("advertiser_name", "nome_anunciante"),
        ("advertiser_phone", "numero_anunciante"),
        ("is_emergency", "emergencia"),
    ):
        if hasattr(item, attribute):
            values[field] = getattr(item, attribute)
    if hasattr(item, "signer_ids"):
        values["sindico_ids"] = sorted(item.signer_ids)
    return values


async def _about(painel: PainelRequest, shown: ItemRead) -> dict[str, Any]:
    """What an item's page shows beside its form: where it plays, who made it."""
    session, user = painel.session, painel.user
    screens: list[TV] = []
    if shown.condominium_ids:
        query = tv_repository.visible_to(user).where(
            TV.condominium_id.in_(shown.condominium_ids)
        )
        screens = list(await session.scalars(query.order_by(TV.condominium_id, TV.id)))
    people = [shown.created_by_id or 0, *getattr(shown, "signer_ids", [])]
    names = await lookups.user_names(session, people, user=user)
    return {
        "item": shown,
        "screens": screens,
        "target_names": await lookups.condominium_names(
            session, shown.condominium_ids, user=user
        ),
        "creator": names.get(shown.created_by_id or 0, ""),
        "signer_names": [
            names[i] for i in getattr(shown, "signer_ids", []) if i in names
        ],
    }


ROUTERS = [item_pages(kind) for kind in KINDS]
