"""TVs: the list with live status, a TV's page (code, preview, proportions), forms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.config import Settings
from expotv.context import context_of
from expotv.db import utcnow
from expotv.deps import AppSettings, DbSession, PresenceDep
from expotv.playlist import repository as playlist_repository
from expotv.playlist.builder import ItemKind, PlaylistItem, Ratios, Reason
from expotv.playlist.eligibility import build_cycle
from expotv.playlist.loader import playlist_items, tv_info
from expotv.playlist.overview import what_plays
from expotv.schemas import MAX_ID
from expotv.tvs import repository as tv_repository
from expotv.tvs import service as tv_service
from expotv.tvs.exceptions import TVNotFound
from expotv.tvs.models import TV, TVStatus
from expotv.tvs.presence import Presence, last_seen
from expotv.tvs.schemas import TVCreate, TVRatiosUpdate, TVUpdate
from expotv.ui.painel import forms, lookups, render
from expotv.ui.painel.guard import painel_router
from expotv.ui.painel.session import CurrentVisitor, Visitor

router = painel_router(prefix="/painel/tvs")

RATIO_FIELDS = ("proporcao_avisos", "proporcao_anuncios", "proporcao_noticias")
KIND_LABELS = {
    ItemKind.NOTICE: "Aviso",
    ItemKind.AD: "Anúncio",
    ItemKind.NEWS: "Notícia",
}
STATUS_LABELS = {TVStatus.ONLINE: "Online", TVStatus.OFFLINE: "Offline"}
# The preview shows the loop's first slots as cards, and the whole loop (up to
# BAR_SLOTS) as a bar of coloured segments.
PREVIEW_SLOTS = 60
BAR_SLOTS = 600
BAR_WIDTH = 1000

TVId = Annotated[int, Path(ge=1, le=MAX_ID)]
RatioQuery = Annotated[int, Query(ge=0, le=100)]


@dataclass(frozen=True, slots=True)
class Slot:
    kind: str
    label: str
    id: int
    title: str
    thumbnail_url: str | None
    duration_seconds: int


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str
    title: str
    x: float
    width: float


@dataclass(frozen=True, slots=True)
class LoopPreview:
    slots: list[Slot]
    total_slots: int
    total_seconds: int
    counts: dict[str, int]
    bar: list[Segment]

    @property
    def counts_text(self) -> str:
        names = {"aviso": ("aviso", "avisos"), "anuncio": ("anúncio", "anúncios")}
        names["noticia"] = ("notícia", "notícias")
        parts = [
            f"{count} {names[kind][0] if count == 1 else names[kind][1]}"
            for kind, count in self.counts.items()
            if count
        ]
        return ", ".join(parts)

    def payload(self) -> dict[str, Any]:
        return {
            "itens": [
                {
                    "tipo": s.kind,
                    "rotulo": s.label,
                    "id": s.id,
                    "titulo": s.title,
                    "thumbnail_url": s.thumbnail_url,
                    "duracao": s.duration_seconds,
                }
                for s in self.slots
            ],
            "total_itens": self.total_slots,
            "duracao_total": self.total_seconds,
            "duracao_texto": render.format_duration(self.total_seconds),
            "contagem": self.counts,
            "contagem_texto": self.counts_text,
            "faixa": [
                {"tipo": b.kind, "titulo": b.title, "x": b.x, "largura": b.width}
                for b in self.bar
            ],
        }


def _thumbnail(item: PlaylistItem) -> str | None:
    if item.thumbnail_url:
        return item.thumbnail_url
    # Notícias carry a picture of their own, on another site: not shown here.
    return None


async def loop_preview(
    session: AsyncSession,
    tv: TV,
    ratios: Ratios,
    *,
    now: datetime,
    settings: Settings,
) -> LoopPreview:
    """The loop this TV would play with ``ratios``: the server's own interleaving."""
    info = await tv_info(session, playlist_repository.tv_by_id(tv.id), settings)
    if info is None:
        raise TVNotFound()
    info = replace(info, ratios=ratios)
    items = await playlist_items(
        session, info, now, max_news=settings.playlist_max_news
    )
    cycle = build_cycle(items, info, now)
    counts = {kind.value: 0 for kind in (ItemKind.NOTICE, ItemKind.AD, ItemKind.NEWS)}
    for item in cycle:
        counts[item.kind.value] += 1
    total_seconds = sum(item.duration_seconds for item in cycle)
    return LoopPreview(
        slots=[
            Slot(
                kind=item.kind.value,
                label=KIND_LABELS[item.kind],
                id=item.id,
                title=item.title,
                thumbnail_url=_thumbnail(item),
                duration_seconds=item.duration_seconds,
            )
            for item in cycle[:PREVIEW_SLOTS]
        ],
        total_slots=len(cycle),
        total_seconds=total_seconds,
        counts=counts,
        bar=_segments(cycle[:BAR_SLOTS]),
    )


def _segments(cycle: list[PlaylistItem]) -> list[Segment]:
    """The loop as a bar: one segment per slot, as wide as its time on screen."""
    total = sum(item.duration_seconds for item in cycle) or 1
    segments: list[Segment] = []
    x = 0.0
    for item in cycle:
        width = BAR_WIDTH * item.duration_seconds / total
        segments.append(
            Segment(
                kind=item.kind.value,
                title=item.title,
                x=round(x, 2),
                width=round(width, 2),
            )
        )
        x += width
    return segments


# Why an item of the condomínio is not in this TV's loop (``motivo``), for people.
REASONS = {
    Reason.SCHEDULED: "ainda não começou",
    Reason.OFF_HOURS: "fora do horário agora",
    Reason.EXPIRED: "expirou",
    Reason.INACTIVE: "pausado",
    Reason.PROCESSING: "mídia ainda em conversão",
    Reason.ERROR: "erro na mídia",
    Reason.OTHER_TV: "só em outras TVs",
    Reason.RATIO_ZERO: "proporção zero para este tipo",
    Reason.EMERGENCY: "um aviso de emergência ocupa a TV",
}
PATHS = {"aviso": "avisos", "anuncio": "anuncios", "noticia": "noticias"}


@dataclass(frozen=True, slots=True)
class LeftOut:
    kind: str
    label: str
    title: str
    reason: str
    url: str


async def left_out(
    session: AsyncSession, tv: TV, *, now: datetime, settings: Settings
) -> list[LeftOut]:
    """What targets the TV's condomínio but is not playing, and why: the API's
    ``GET /tvs/{id}/playlist`` (``fora``), for "why isn't my ad on this TV?"."""
    view = await what_plays(session, tv.id, now=now, settings=settings)
    return [
        LeftOut(
            kind=entry["tipo"],
            label=KIND_LABELS[ItemKind(entry["tipo"])],
            title=entry["titulo"],
            reason=REASONS[Reason(entry["motivo"])],
            url=f"/painel/{PATHS[entry['tipo']]}/{entry['id']}",
        )
        for entry in view["fora"]
    ]


def ratios_of(tv: TV) -> Ratios:
    return Ratios(notices=tv.notice_ratio, ads=tv.ad_ratio, news=tv.news_ratio)


def status_payload(
    tv: TV, *, now: datetime, presence: Presence, pending: Mapping[int, datetime]
) -> dict[str, Any]:
    """``pending``: pings not written yet (``presence.pending``), so a TV that
    just pinged shows online at once."""
    status = presence.status(tv, now, pending)
    seen = last_seen(tv, pending)
    return {
        "id": tv.id,
        "status": status.value,
        "status_texto": STATUS_LABELS[status],
        "ultimo_ping": seen.isoformat() if seen else None,
        "ultimo_ping_texto": render.format_elapsed(seen, now),
    }


def player_url(request: Request, code: str) -> str:
    return f"{request.base_url}tv/{code}"


async def _visible(session: AsyncSession, tv_id: int, visitor: Visitor) -> TV:
    return await tv_service.get_visible(session, tv_id, user=visitor.user)


@router.get("")
async def list_tvs(
    request: Request,
    visitor: CurrentVisitor,
    session: DbSession,
    settings: AppSettings,
    presence: PresenceDep,
    condominio: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: TVStatus | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    now = utcnow()
    result = await tv_service.list_visible(
        session,
        user=visitor.user,
        params=render.page_params(request),
        now=now,
        settings=settings,
        presence=presence,
        condominium_id=condominio,
        status=status,
        text=q,
    )
    pending = await presence.pending(result.items)
    names = await lookups.condominium_names(
        session, {tv.condominium_id for tv in result.items}, user=visitor.user
    )
    return render.view(
        request,
        visitor,
        "tvs.html",
        section="tvs",
        zone=await lookups.zone_for(session, user=visitor.user, settings=settings),
        tvs=[
            (
                tv,
                names.get(tv.condominium_id, ""),
                status_payload(tv, now=now, presence=presence, pending=pending),
            )
            for tv in result.items
        ],
        total=result.total,
        pager=render.pager(request, result.total),
        condominiums=await lookups.readable_condominiums(session, user=visitor.user),
        filters={"condominio": condominio, "status": status, "q": q or ""},
    )


@router.get("/status.json")
async def tv_statuses(
    visitor: CurrentVisitor,
    session: DbSession,
    presence: PresenceDep,
    ids: Annotated[str, Query(max_length=2000)] = "",
) -> JSONResponse:
    """Online/offline and the last ping of the listed TVs the caller may see."""
    wanted = {int(part) for part in ids.split(",") if part.strip().isdigit()}
    wanted = {i for i in wanted if 0 < i <= MAX_ID}
    now = utcnow()
    found: list[TV] = []
    if wanted:
        query = tv_repository.visible_to(visitor.user).where(TV.id.in_(wanted))
        found = list(await session.scalars(query.order_by(TV.id)))
    pending = await presence.pending(found)
    payloads = [
        status_payload(tv, now=now, presence=presence, pending=pending) for tv in found
    ]
    return JSONResponse(
        {"tvs": payloads},
        headers={"Cache-Control": "no-store"},
    )


async def _new_form(
    request: Request,
    visitor: Visitor,
    session: AsyncSession,
    *,
    values: dict[str, Any],
    errors: forms.FormErrors,
    status_code: int | None = None,
) -> Response:
    return render.view(
        request,
        visitor,
        "tv_nova.html",
        section="tvs",
        condominiums=await lookups.writable_condominiums(session, user=visitor.user),
        values=values,
        errors=errors,
        status_code=status_code,
    )


@router.get("/nova")
async def new_tv(
    request: Request,
    visitor: CurrentVisitor,
    session: DbSession,
    condominio: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    defaults: dict[str, Any] = {
        "proporcao_avisos": 1,
        "proporcao_anuncios": 5,
        "proporcao_noticias": 3,
        "condominio_id": condominio,
    }
    return await _new_form(
        request, visitor, session, values=defaults, errors=forms.FormErrors()
    )


@router.post("/nova")
async def create_tv(
    request: Request, visitor: CurrentVisitor, session: DbSession
) -> Response:
    values = forms.form_dict(await forms.read_form(request))

    async def create() -> TV:
        data = forms.validate(TVCreate, forms.integers(values, *RATIO_FIELDS))
        return await tv_service.create(session, data, user=visitor.user)

    return await forms.submit(
        request,
        session,
        create,
        keep=[visitor.user],
        then=lambda tv: f"/painel/tvs/{tv.id}?ok=tv_criada",
        again=lambda errors: _new_form(
            request, visitor, session, values=values, errors=errors
        ),
    )


@router.get("/{tv_id}")
async def show_tv(
    request: Request,
    tv_id: TVId,
    visitor: CurrentVisitor,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    tv = await _visible(session, tv_id, visitor)
    return await _tv_page(request, visitor, session, settings, tv)


async def _tv_page(
    request: Request,
    visitor: Visitor,
    session: AsyncSession,
    settings: Settings,
    tv: TV,
    *,
    values: dict[str, Any] | None = None,
    errors: forms.FormErrors | None = None,
    status_code: int | None = None,
) -> Response:
    now = utcnow()
    names = await lookups.condominium_names(
        session, [tv.condominium_id], user=visitor.user
    )
    presence = context_of(request.app).presence
    pending = await presence.pending([tv])
    return render.view(
        request,
        visitor,
        "tv.html",
        section="tvs",
        zone=await lookups.zone_for(
            session,
            user=visitor.user,
            settings=settings,
            condominium_ids=[tv.condominium_id],
        ),
        tv=tv,
        condominium_name=names.get(tv.condominium_id, ""),
        state=status_payload(tv, now=now, presence=presence, pending=pending),
        player_url=player_url(request, tv.code),
        loop=await loop_preview(session, tv, ratios_of(tv), now=now, settings=settings),
        left_out=await left_out(session, tv, now=now, settings=settings),
        condominiums=await lookups.writable_condominiums(session, user=visitor.user),
        values=values or {},
        errors=errors or forms.FormErrors(),
        status_code=status_code,
    )


@router.get("/{tv_id}/previa.json")
async def preview(
    tv_id: TVId,
    visitor: CurrentVisitor,
    session: DbSession,
    settings: AppSettings,
    proporcao_avisos: RatioQuery,
    proporcao_anuncios: RatioQuery,
    proporcao_noticias: RatioQuery,
) -> JSONResponse:
    """The loop these proportions would give, computed as the server plays it."""
    tv = await _visible(session, tv_id, visitor)
    tv_service.check_ratios(proporcao_anuncios, proporcao_avisos, proporcao_noticias)
    ratios = Ratios(
        notices=proporcao_avisos, ads=proporcao_anuncios, news=proporcao_noticias
    )
    loop = await loop_preview(session, tv, ratios, now=utcnow(), settings=settings)
    return JSONResponse(loop.payload(), headers={"Cache-Control": "no-store"})


@router.post("/{tv_id}/proporcao")
async def set_ratios(
    request: Request,
    tv_id: TVId,
    visitor: CurrentVisitor,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    tv = await _visible(session, tv_id, visitor)
    values = forms.form_dict(await forms.read_form(request))

    async def save() -> TV:
        changes = forms.validate(TVRatiosUpdate, forms.integers(values, *RATIO_FIELDS))
        return await tv_service.set_ratios(session, tv, changes, user=visitor.user)

    return await forms.submit(
        request,
        session,
        save,
        keep=[visitor.user, tv],
        then=lambda saved: f"/painel/tvs/{saved.id}?ok=proporcao",
        again=lambda errors: _tv_page(
            request, visitor, session, settings, tv, values=values, errors=errors
        ),
    )


@router.post("/{tv_id}")
async def update_tv(
    request: Request,
    tv_id: TVId,
    visitor: CurrentVisitor,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    tv = await _visible(session, tv_id, visitor)
    values = forms.form_dict(await forms.read_form(request))
    changes_in = {k: v for k, v in values.items() if k in ("nome", "condominio_id")}

    async def save() -> TV:
        changes = forms.validate(TVUpdate, changes_in)
        return await tv_service.update(session, tv, changes, user=visitor.user)

    return await forms.submit(
        request,
        session,
        save,
        keep=[visitor.user, tv],
        then=lambda saved: f"/painel/tvs/{saved.id}?ok=tv_salva",
        again=lambda errors: _tv_page(
            request, visitor, session, settings, tv, values=values, errors=errors
        ),
    )


@router.post("/{tv_id}/excluir")
async def delete_tv(
    tv_id: TVId, visitor: CurrentVisitor, session: DbSession
) -> Response:
    tv = await _visible(session, tv_id, visitor)
    await tv_service.delete(session, tv, user=visitor.user)
    return RedirectResponse("/painel/tvs?ok=tv_excluida", status_code=303)
