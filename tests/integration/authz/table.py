"""The authorization matrix: every operation of /openapi.json, one row each.

A cell is the status expected when a level calls the row's operation on a target:

    own      A's object (sA's condomínio, TV, items it created; vA is assigned to A)
    other    B's object (another tenant's, for sA and vA)
    shared   the Master's anúncio/aviso targeting A and B (sA and vA may read it,
             only the Master may change it)
    -        no object: a collection, a global object (notícias), or a public route

``Expect(master, sindico, visitante)``; ``anon`` is the status without a token (401
for every management route). Targets of creates are the condomínio named in the
body. A new operation without a row fails ``test_every_operation_has_a_row``.

Decisions where the contract leaves room (each also noted on its row):
- A Visitante creating an anúncio or aviso gets 403 whatever it targets: the level
  is refused before the (possibly 50 MB) multipart body is read, and the answer
  is the same for every target, so it reveals nothing. A Visitante creating a TV
  (a small JSON body) gets the contract's visibility-first answer: 404 in B.
- ``/usuarios/{id}`` is 403 for non-Masters whatever the id (users are a
  Master-only resource: the level is the first thing refused, for every id).
- News sources are read by every level (the contract's "read" for Síndico and
  Visitante); the collection trigger (``/coletar``) is a write: Master only.
- ``tvs_ids`` naming B's TV on an item of A: the Master sees that TV, which is in
  none of the item's condomínios (422); sA can not see it (404, as a missing one).
- An emergency aviso is created like any aviso: a Síndico's on B is 404 ("targeting
  a condominio the caller may not write to"), the same as for a missing one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import httpx

from expotv.users.schemas import Level
from tests import support
from tests.integration.authz.conftest import FEED_HOST, World, png_bytes


class Expect(NamedTuple):
    master: int
    sindico: int
    visitante: int

    def of(self, level: Level) -> int:
        return {
            Level.MASTER: self.master,
            Level.SINDICO: self.sindico,
            Level.VISITANTE: self.visitante,
        }[level]


@dataclass(frozen=True)
class Call:
    url: str
    params: dict[str, Any] | None = None
    json: Any = None
    data: dict[str, Any] | None = None
    files: dict[str, Any] | None = None


@dataclass
class Ctx:
    world: World
    client: httpx.AsyncClient


Builder = Callable[[Ctx, str], Awaitable[Call]]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    build: Builder
    cells: dict[str, Expect]
    anon: int = 401
    variant: str = ""
    # Public routes are the same for every caller; they are checked as one row.
    public: bool = False

    @property
    def label(self) -> str:
        suffix = f" ({self.variant})" if self.variant else ""
        return f"{self.method} {self.path}{suffix}"


# --- call builders -------------------------------------------------------------

Body = Callable[[World, str], Any]


def call(
    template: str,
    kind: str | None = None,
    *,
    json: Body | None = None,
    params: dict[str, Any] | None = None,
) -> Builder:
    """A call to ``template`` with ``{id}`` (or ``{code}``) the target's ``kind``."""

    async def build(ctx: Ctx, target: str) -> Call:
        w = ctx.world
        url = template
        if kind == "tv_code":
            url = url.format(code=w.tv(target).code)
        elif kind == "tv":
            url = url.format(id=w.tv(target).id)
        elif kind is not None:
            url = url.format(id=getattr(w, kind)(target))
        return Call(url, params=params, json=json(w, target) if json else None)

    return build


async def _ad_create(ctx: Ctx, target: str) -> Call:
    return Call(
        "/anuncios",
        data={"nome": "Anúncio novo", "condominios_ids": str(ctx.world.condo(target))},
        files={"arquivo": ("novo.png", png_bytes(), "image/png")},
    )


async def _ad_create_on_tv_of_b(ctx: Ctx, target: str) -> Call:
    """An anúncio for A's condomínio restricted to B's TV (multipart, as the
    dashboard sends it)."""
    w = ctx.world
    return Call(
        "/anuncios",
        data={
            "nome": "Anúncio no elevador",
            "condominios_ids": str(w.condo("own")),
            "tvs_ids": str(w.tv("other").id),
        },
        files={"arquivo": ("novo.png", png_bytes(), "image/png")},
    )


async def _refresh_token(ctx: Ctx) -> str:
    login = await ctx.client.post(
        "/auth/login", json={"email": ctx.world.sa.email, "senha": support.PASSWORD}
    )
    assert login.status_code == 200, login.text
    token: str = login.json()["refresh_token"]
    return token


async def _refresh(ctx: Ctx, target: str) -> Call:
    return Call("/auth/refresh", json={"refresh_token": await _refresh_token(ctx)})


async def _logout(ctx: Ctx, target: str) -> Call:
    return Call("/auth/logout", json={"refresh_token": await _refresh_token(ctx)})


async def _register(ctx: Ctx, target: str) -> Call:
    return Call(
        "/auth/register",
        json={
            "nome": "Pessoa Nova",
            "email": f"nova-{target}@authz.example.com",
            "senha": support.PASSWORD,
        },
    )


async def _login(ctx: Ctx, target: str) -> Call:
    return Call(
        "/auth/login", json={"email": ctx.world.sa.email, "senha": support.PASSWORD}
    )


async def _media(ctx: Ctx, target: str) -> Call:
    master = ctx.world.headers[Level.MASTER]
    created = await ctx.client.post(
        "/anuncios",
        headers=master,
        data={"nome": "Mídia", "condominios_ids": str(ctx.world.condo("own"))},
        files={"arquivo": ("m.png", png_bytes("#aa0000"), "image/png")},
    )
    assert created.status_code == 201, created.text
    url = httpx.URL(created.json()["archive_url"])
    return Call(url.path)


def _user_body(w: World, target: str) -> dict[str, Any]:
    return {
        "nome": "Visitante Novo",
        "email": f"novo-{target}@authz.example.com",
        "senha": support.PASSWORD,
        "nivel": "Visitante",
        "condominios_ids": [w.condo(target)],
    }


def _notice_body(w: World, target: str) -> dict[str, Any]:
    return {
        "nome": "Aviso novo",
        "mensagem": "Texto",
        "condominios_ids": [w.condo(target)],
    }


def _name(_w: World, _t: str) -> dict[str, Any]:
    return {"nome": "Nome novo"}


def _to_other_condo(w: World, _t: str) -> dict[str, Any]:
    return {"condominio_id": w.condo("other")}


def _retarget_other(w: World, _t: str) -> dict[str, Any]:
    return {"condominios_ids": [w.condo("other")]}


def _tv_of_b(w: World, _t: str) -> dict[str, Any]:
    return {"tvs_ids": [w.tv("other").id]}


def _notice_on_tv_of_b(w: World, _t: str) -> dict[str, Any]:
    return {**_notice_body(w, "own"), "tvs_ids": [w.tv("other").id]}


def _emergency(w: World, target: str) -> dict[str, Any]:
    return {**_notice_body(w, target), "emergencia": True}


def _ratios(_w: World, _t: str) -> dict[str, Any]:
    return {"proporcao_anuncios": 2, "proporcao_avisos": 1, "proporcao_noticias": 1}


# --- the table -----------------------------------------------------------------

E = Expect
ALL_OK = E(200, 200, 200)
MASTER_ONLY = E(200, 403, 403)

# Shorthands for the usual shape of a tenant-scoped object route.
READ = {"own": ALL_OK, "other": E(200, 404, 404)}
WRITE = {"own": E(200, 200, 403), "other": E(200, 404, 404)}
DELETE = {"own": E(204, 204, 403), "other": E(204, 404, 404)}
ITEM_READ = {**READ, "shared": ALL_OK}
ITEM_WRITE = {**WRITE, "shared": E(200, 403, 403)}
ITEM_DELETE = {**DELETE, "shared": E(204, 403, 403)}
ANY = "-"

TABLE: list[Row] = [
    # --- auth (public; the token sent, if any, does not matter) ---
    Row(
        "POST",
        "/auth/register",
        _register,
        {ANY: E(201, 201, 201)},
        anon=201,
        public=True,
    ),
    Row("POST", "/auth/login", _login, {ANY: ALL_OK}, anon=200, public=True),
    Row("POST", "/auth/refresh", _refresh, {ANY: ALL_OK}, anon=200, public=True),
    Row(
        "POST", "/auth/logout", _logout, {ANY: E(204, 204, 204)}, anon=204, public=True
    ),
    Row("GET", "/auth/me", call("/auth/me"), {ANY: ALL_OK}),
    Row(
        "PUT",
        "/auth/me",
        call(
            "/auth/me",
            json=lambda w, t: {"nome": "Eu", "senha_atual": support.PASSWORD},
        ),
        {ANY: ALL_OK},
    ),
    # --- usuarios: Master only, whatever the id (403 before any lookup) ---
    Row("GET", "/usuarios", call("/usuarios"), {ANY: MASTER_ONLY}),
    Row(
        "POST",
        "/usuarios",
        call("/usuarios", json=_user_body),
        {"own": E(201, 403, 403), "other": E(201, 403, 403)},
    ),
    Row(
        "GET",
        "/usuarios/{user_id}",
        call("/usuarios/{id}", "user"),
        {"own": MASTER_ONLY, "other": MASTER_ONLY},
    ),
    Row(
        "PUT",
        "/usuarios/{user_id}",
        call("/usuarios/{id}", "user", json=_name),
        {"own": MASTER_ONLY, "other": MASTER_ONLY},
    ),
    Row(
        "DELETE",
        "/usuarios/{user_id}",
        call("/usuarios/{id}", "user"),
        {"own": E(204, 403, 403), "other": E(204, 403, 403)},
    ),
    # --- condominios ---
    Row("GET", "/condominios", call("/condominios"), {ANY: ALL_OK}),
    # sA manages one and may create up to two (its limite_condominios in the world).
    Row(
        "POST",
        "/condominios",
        call("/condominios", json=_name),
        {ANY: E(201, 201, 403)},
    ),
    Row(
        "GET", "/condominios/{condominium_id}", call("/condominios/{id}", "condo"), READ
    ),
    Row(
        "PUT",
        "/condominios/{condominium_id}",
        call("/condominios/{id}", "condo", json=_name),
        WRITE,
    ),
    # Both condomínios have a TV: without force it is a conflict for whoever may
    # write; force is a Master's alone (a Síndico's force is 403 on its own).
    Row(
        "DELETE",
        "/condominios/{condominium_id}",
        call("/condominios/{id}", "condo"),
        {"own": E(409, 409, 403), "other": E(409, 404, 404)},
        variant="with TVs",
    ),
    Row(
        "DELETE",
        "/condominios/{condominium_id}",
        call("/condominios/{id}", "condo", params={"force": "true"}),
        {"own": E(204, 403, 403), "other": E(204, 404, 404)},
        variant="force",
    ),
    # --- tvs ---
    Row("GET", "/tvs", call("/tvs"), {ANY: ALL_OK}),
    # Target: the condomínio in the body. A Visitante sees A (403) but not B (404).
    Row(
        "POST",
        "/tvs",
        call(
            "/tvs", json=lambda w, t: {"nome": "TV nova", "condominio_id": w.condo(t)}
        ),
        {"own": E(201, 201, 403), "other": E(201, 404, 404)},
    ),
    Row("GET", "/tvs/{tv_id}", call("/tvs/{id}", "tv"), READ),
    Row("PUT", "/tvs/{tv_id}", call("/tvs/{id}", "tv", json=_name), WRITE),
    # Moving one's own TV into B: "targeting a condominio the caller may not
    # write to is 404".
    Row(
        "PUT",
        "/tvs/{tv_id}",
        call("/tvs/{id}", "tv", json=_to_other_condo),
        {"own": E(200, 404, 403)},
        variant="move to B",
    ),
    Row("DELETE", "/tvs/{tv_id}", call("/tvs/{id}", "tv"), DELETE),
    Row("GET", "/tvs/{tv_id}/status", call("/tvs/{id}/status", "tv"), READ),
    Row("GET", "/tvs/{tv_id}/playlist", call("/tvs/{id}/playlist", "tv"), READ),
    Row(
        "PUT",
        "/tvs/{tv_id}/proporcao",
        call("/tvs/{id}/proporcao", "tv", json=_ratios),
        WRITE,
    ),
    # --- anuncios ---
    Row("GET", "/anuncios", call("/anuncios"), {ANY: ALL_OK}),
    # Visitante: 403 for any target, refused before the upload is read (see top).
    Row(
        "POST",
        "/anuncios",
        _ad_create,
        {"own": E(201, 201, 403), "other": E(201, 404, 403)},
    ),
    Row(
        "POST",
        "/anuncios",
        _ad_create_on_tv_of_b,
        {"own": E(422, 404, 403)},
        variant="TV of B",
    ),
    Row("GET", "/anuncios/{ad_id}", call("/anuncios/{id}", "ad"), ITEM_READ),
    Row(
        "PUT", "/anuncios/{ad_id}", call("/anuncios/{id}", "ad", json=_name), ITEM_WRITE
    ),
    Row(
        "PUT",
        "/anuncios/{ad_id}",
        call("/anuncios/{id}", "ad", json=_retarget_other),
        {"own": E(200, 404, 403)},
        variant="retarget to B",
    ),
    Row(
        "PUT",
        "/anuncios/{ad_id}",
        call("/anuncios/{id}", "ad", json=_tv_of_b),
        {"own": E(422, 404, 403)},
        variant="TV of B",
    ),
    Row("DELETE", "/anuncios/{ad_id}", call("/anuncios/{id}", "ad"), ITEM_DELETE),
    # --- avisos ---
    Row("GET", "/avisos", call("/avisos"), {ANY: ALL_OK}),
    Row(
        "POST",
        "/avisos",
        call("/avisos", json=_notice_body),
        {"own": E(201, 201, 403), "other": E(201, 404, 403)},
    ),
    Row(
        "POST",
        "/avisos",
        call("/avisos", json=_notice_on_tv_of_b),
        {"own": E(422, 404, 403)},
        variant="TV of B",
    ),
    Row(
        "POST",
        "/avisos",
        call("/avisos", json=_emergency),
        {"own": E(201, 201, 403), "other": E(201, 404, 403)},
        variant="emergency",
    ),
    Row("GET", "/avisos/{notice_id}", call("/avisos/{id}", "notice"), ITEM_READ),
    Row(
        "PUT",
        "/avisos/{notice_id}",
        call("/avisos/{id}", "notice", json=_name),
        ITEM_WRITE,
    ),
    Row(
        "PUT",
        "/avisos/{notice_id}",
        call("/avisos/{id}", "notice", json=_retarget_other),
        {"own": E(200, 404, 403)},
        variant="retarget to B",
    ),
    # Naming B's síndico as a signer: a síndico sA can not see is refused like a
    # nonexistent one (422 naming the field), never accepted.
    Row(
        "PUT",
        "/avisos/{notice_id}",
        call("/avisos/{id}", "notice", json=lambda w, t: {"sindico_ids": [w.sb.id]}),
        {"own": E(200, 422, 403)},
        variant="signer of B",
    ),
    Row(
        "PUT",
        "/avisos/{notice_id}",
        call("/avisos/{id}", "notice", json=_tv_of_b),
        {"own": E(422, 404, 403)},
        variant="TV of B",
    ),
    Row(
        "PUT",
        "/avisos/{notice_id}",
        call("/avisos/{id}", "notice", json=lambda w, t: {"emergencia": True}),
        ITEM_WRITE,
        variant="emergency",
    ),
    Row("DELETE", "/avisos/{notice_id}", call("/avisos/{id}", "notice"), ITEM_DELETE),
    # --- noticias and their sources: global, read by all, written by the Master ---
    Row("GET", "/noticias", call("/noticias"), {ANY: ALL_OK}),
    Row(
        "POST",
        "/noticias",
        call("/noticias", json=lambda w, t: {"titulo": "Nova"}),
        {ANY: E(201, 403, 403)},
    ),
    Row("GET", "/noticias/{news_id}", call("/noticias/{id}", "news"), {ANY: ALL_OK}),
    Row(
        "PUT",
        "/noticias/{news_id}",
        call("/noticias/{id}", "news", json=lambda w, t: {"titulo": "Outra"}),
        {ANY: MASTER_ONLY},
    ),
    Row(
        "DELETE",
        "/noticias/{news_id}",
        call("/noticias/{id}", "news"),
        {ANY: E(204, 403, 403)},
    ),
    Row("GET", "/noticias/fontes", call("/noticias/fontes"), {ANY: ALL_OK}),
    Row(
        "POST",
        "/noticias/fontes",
        call(
            "/noticias/fontes",
            json=lambda w, t: {"nome": "Nova", "url": f"https://{FEED_HOST}/rss"},
        ),
        {ANY: E(201, 403, 403)},
    ),
    Row(
        "GET",
        "/noticias/fontes/{feed_id}",
        call("/noticias/fontes/{id}", "feed"),
        {ANY: ALL_OK},
    ),
    Row(
        "PUT",
        "/noticias/fontes/{feed_id}",
        call("/noticias/fontes/{id}", "feed", json=lambda w, t: {"ativo": False}),
        {ANY: MASTER_ONLY},
    ),
    Row(
        "DELETE",
        "/noticias/fontes/{feed_id}",
        call("/noticias/fontes/{id}", "feed"),
        {ANY: E(204, 403, 403)},
    ),
    # The world's source does not resolve: the collection fails fast and is
    # recorded in ``ultimo_erro`` (200 with the source).
    Row(
        "POST",
        "/noticias/fontes/{feed_id}/coletar",
        call("/noticias/fontes/{id}/coletar", "feed"),
        {ANY: MASTER_ONLY},
    ),
    # --- the TV app: public, identified by the code (any TV, any caller) ---
    Row(
        "GET",
        "/app/tv/{codigo}/content",
        call("/app/tv/{code}/content", "tv_code"),
        {"own": ALL_OK, "other": ALL_OK},
        anon=200,
        public=True,
    ),
    Row(
        "POST",
        "/app/tv/{codigo}/ping",
        call("/app/tv/{code}/ping", "tv_code"),
        {"own": ALL_OK, "other": ALL_OK},
        anon=200,
        public=True,
    ),
    # --- media and operations: public ---
    Row("GET", "/media/{key}", _media, {ANY: ALL_OK}, anon=200, public=True),
    Row("HEAD", "/media/{key}", _media, {ANY: ALL_OK}, anon=200, public=True),
    Row("GET", "/metrics", call("/metrics"), {ANY: ALL_OK}, anon=200, public=True),
    Row(
        "GET",
        "/health/live",
        call("/health/live"),
        {ANY: ALL_OK},
        anon=200,
        public=True,
    ),
    Row(
        "GET",
        "/health/ready",
        call("/health/ready"),
        {ANY: ALL_OK},
        anon=200,
        public=True,
    ),
]


@dataclass(frozen=True)
class Case:
    row: Row
    level: Level | None  # None: no token
    target: str

    @property
    def expected(self) -> int:
        return (
            self.row.anon
            if self.level is None
            else self.row.cells[self.target].of(self.level)
        )

    @property
    def id(self) -> str:
        who = self.level.value if self.level else "anonimo"
        return f"{self.row.label}-{who}-{self.target}"


def cases() -> list[Case]:
    result: list[Case] = []
    for row in TABLE:
        # A public route ignores the token: the least privileged one stands for all.
        levels = [Level.VISITANTE] if row.public else list(Level)
        for target in row.cells:
            for level in levels:
                result.append(Case(row, level, target))
        # Without a token, one target is enough (nothing is looked up).
        result.append(Case(row, None, next(iter(row.cells))))
    return result


def object_cases() -> list[Case]:
    """sA and vA on B's objects: what must look exactly like a missing id."""
    return [
        Case(row, level, "other")
        for row in TABLE
        if "other" in row.cells and not row.public
        for level in (Level.SINDICO, Level.VISITANTE)
    ]
