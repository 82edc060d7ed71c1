"""The REST authorization matrix, run again through GraphQL.

Each GraphQL operation below stands for a REST row of ``authz/table.py`` and takes
that row's cells as they are: the same actors, the same objects (own, other,
shared, missing), the same expectations. A REST 2xx is data without errors; a
REST 4xx is a null field with one error whose ``extensions.status`` is that
status; no token is HTTP 401 with ``unauthenticated``. Another tenant's object
answers exactly what a missing id answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from expotv.users.schemas import Level
from tests.integration.authz.conftest import World, png_bytes
from tests.integration.authz.table import TABLE, Expect, Row
from tests.integration.graphql.conftest import gql

Variables = Callable[[World, str], dict[str, Any]]


@dataclass(frozen=True)
class GqlRow:
    method: str
    path: str
    query: str
    variables: Variables
    field: str
    variant: str = ""
    upload: bool = False

    @property
    def rest(self) -> Row:
        for row in TABLE:
            if (row.method, row.path, row.variant) == (
                self.method,
                self.path,
                self.variant,
            ):
                return row
        raise LookupError(f"{self.method} {self.path} ({self.variant}) not in TABLE")

    @property
    def label(self) -> str:
        suffix = f" ({self.variant})" if self.variant else ""
        return f"{self.field} = {self.method} {self.path}{suffix}"


def _id(kind: str) -> Variables:
    def variables(w: World, target: str) -> dict[str, Any]:
        if kind == "tv":
            return {"id": w.tv(target).id}
        value: int = getattr(w, kind)(target)
        return {"id": value}

    return variables


def _none(_w: World, _t: str) -> dict[str, Any]:
    return {}


ITEM_FIELDS = "id nome condominiosIds"
RATIOS = "proporcaoAnuncios: 2, proporcaoAvisos: 1, proporcaoNoticias: 1"

ROWS = [
    GqlRow("GET", "/auth/me", "{ me { id nivel } }", _none, "me"),
    GqlRow("GET", "/usuarios", "{ usuarios { total } }", _none, "usuarios"),
    GqlRow(
        "GET",
        "/usuarios/{user_id}",
        "query($id: Int!) { usuario(id: $id) { id } }",
        _id("user"),
        "usuario",
    ),
    GqlRow("GET", "/condominios", "{ condominios { total } }", _none, "condominios"),
    GqlRow(
        "GET",
        "/condominios/{condominium_id}",
        "query($id: Int!) { condominio(id: $id) { id tvs { id } } }",
        _id("condo"),
        "condominio",
    ),
    GqlRow("GET", "/tvs", "{ tvs { total } }", _none, "tvs"),
    GqlRow(
        "GET",
        "/tvs/{tv_id}",
        "query($id: Int!) { tv(id: $id) { id condominio { id } } }",
        _id("tv"),
        "tv",
    ),
    GqlRow(
        "GET",
        "/tvs/{tv_id}/status",
        "query($id: Int!) { tv(id: $id) "
        "{ status ultimoPing segundosDesdeUltimoPing } }",
        _id("tv"),
        "tv",
    ),
    GqlRow(
        "PUT",
        "/tvs/{tv_id}/proporcao",
        f"mutation($id: Int!) {{ definirProporcao(id: $id, {RATIOS}) {{ id }} }}",
        _id("tv"),
        "definirProporcao",
    ),
    GqlRow("GET", "/anuncios", "{ anuncios { total } }", _none, "anuncios"),
    GqlRow(
        "GET",
        "/anuncios/{ad_id}",
        f"query($id: Int!) {{ anuncio(id: $id) {{ {ITEM_FIELDS} }} }}",
        _id("ad"),
        "anuncio",
    ),
    GqlRow(
        "POST",
        "/anuncios",
        'mutation($c: Int!, $f: Upload) { criarAnuncio(dados: {nome: "Novo", '
        "condominiosIds: [$c]}, arquivo: $f) { id } }",
        lambda w, t: {"c": w.condo(t), "f": None},
        "criarAnuncio",
        upload=True,
    ),
    GqlRow(
        "PUT",
        "/anuncios/{ad_id}",
        'mutation($id: Int!) { alterarAnuncio(id: $id, dados: {nome: "Outro"}) '
        "{ id } }",
        _id("ad"),
        "alterarAnuncio",
    ),
    GqlRow(
        "PUT",
        "/anuncios/{ad_id}",
        "mutation($id: Int!, $c: Int!) { alterarAnuncio(id: $id, "
        "dados: {condominiosIds: [$c]}) { id } }",
        lambda w, t: {"id": w.ad(t), "c": w.condo("other")},
        "alterarAnuncio",
        variant="retarget to B",
    ),
    GqlRow(
        "DELETE",
        "/anuncios/{ad_id}",
        "mutation($id: Int!) { excluirAnuncio(id: $id) }",
        _id("ad"),
        "excluirAnuncio",
    ),
    GqlRow("GET", "/avisos", "{ avisos { total } }", _none, "avisos"),
    GqlRow(
        "GET",
        "/avisos/{notice_id}",
        f"query($id: Int!) {{ aviso(id: $id) {{ {ITEM_FIELDS} sindicoIds }} }}",
        _id("notice"),
        "aviso",
    ),
    GqlRow(
        "POST",
        "/avisos",
        'mutation($c: Int!) { criarAviso(dados: {nome: "Novo", mensagem: "Texto", '
        "condominiosIds: [$c]}) { id } }",
        lambda w, t: {"c": w.condo(t)},
        "criarAviso",
    ),
    GqlRow(
        "PUT",
        "/avisos/{notice_id}",
        'mutation($id: Int!) { alterarAviso(id: $id, dados: {nome: "Outro"}) { id } }',
        _id("notice"),
        "alterarAviso",
    ),
    GqlRow(
        "PUT",
        "/avisos/{notice_id}",
        "mutation($id: Int!, $c: Int!) { alterarAviso(id: $id, "
        "dados: {condominiosIds: [$c]}) { id } }",
        lambda w, t: {"id": w.notice(t), "c": w.condo("other")},
        "alterarAviso",
        variant="retarget to B",
    ),
    GqlRow(
        "PUT",
        "/avisos/{notice_id}",
        "mutation($id: Int!, $s: Int!) { alterarAviso(id: $id, "
        "dados: {sindicoIds: [$s]}) { id } }",
        lambda w, t: {"id": w.notice(t), "s": w.sb.id},
        "alterarAviso",
        variant="signer of B",
    ),
    GqlRow(
        "DELETE",
        "/avisos/{notice_id}",
        "mutation($id: Int!) { excluirAviso(id: $id) }",
        _id("notice"),
        "excluirAviso",
    ),
    GqlRow("GET", "/noticias", "{ noticias { total } }", _none, "noticias"),
    GqlRow(
        "GET",
        "/noticias/{news_id}",
        "query($id: Int!) { noticia(id: $id) { id } }",
        _id("news"),
        "noticia",
    ),
    GqlRow("GET", "/noticias/fontes", "{ fontes { total } }", _none, "fontes"),
    GqlRow(
        "GET",
        "/noticias/fontes/{feed_id}",
        "query($id: Int!) { fonte(id: $id) { id } }",
        _id("feed"),
        "fonte",
    ),
]


@dataclass(frozen=True)
class Case:
    row: GqlRow
    level: Level | None
    target: str

    @property
    def expected(self) -> int:
        rest = self.row.rest
        if self.level is None:
            return rest.anon
        cells: dict[str, Expect] = rest.cells
        return cells[self.target].of(self.level)

    @property
    def id(self) -> str:
        who = self.level.value if self.level else "anonimo"
        return f"{self.row.label}-{who}-{self.target}"


def cases() -> list[Case]:
    result = []
    for row in ROWS:
        for target in row.rest.cells:
            result.extend(Case(row, level, target) for level in Level)
        result.append(Case(row, None, next(iter(row.rest.cells))))
    return result


async def perform(
    client: httpx.AsyncClient, world: World, case: Case, target: str | None = None
) -> httpx.Response:
    row = case.row
    variables = row.variables(world, target or case.target)
    headers = world.headers[case.level] if case.level else {}
    if not row.upload:
        return await gql(client, row.query, variables, headers=headers)
    # The GraphQL multipart request spec: operations, map, then the files.
    operations = json.dumps({"query": row.query, "variables": variables})
    return await client.post(
        "/graphql",
        headers=headers,
        data={"operations": operations, "map": json.dumps({"0": ["variables.f"]})},
        files={"0": ("novo.png", png_bytes(), "image/png")},
    )


def _outcome(response: httpx.Response, field: str) -> tuple[int, Any]:
    """(the REST-equivalent status, the error as the client sees it)."""
    body = response.json()
    errors = body.get("errors") or []
    if response.status_code == 401:
        assert errors[0]["extensions"]["code"] == "unauthenticated"
        assert response.headers["WWW-Authenticate"] == "Bearer"
        return 401, errors
    assert response.status_code == 200, response.text
    if not errors:
        value = body["data"][field]
        assert value is not None, body
        assert value is not False, body
        return 200, None
    assert len(errors) == 1, errors
    assert body["data"] is None or body["data"][field] is None, body
    error = errors[0]
    return error["extensions"]["status"], (error["message"], error["extensions"])


def _as_graphql(status: int) -> int:
    # 201 Created and 204 No Content are plain data in GraphQL.
    return 200 if 200 <= status < 300 else status


def test_every_graphql_row_names_a_rest_row() -> None:
    for row in ROWS:
        assert row.rest.cells, row.label


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
async def test_outcome_matches_the_rest_table(
    client: httpx.AsyncClient, world: World, case: Case
) -> None:
    response = await perform(client, world, case)
    status, _error = _outcome(response, case.row.field)
    assert status == _as_graphql(case.expected), response.text


def _object_cases() -> list[Case]:
    return [
        Case(row, level, "other")
        for row in ROWS
        if "other" in row.rest.cells
        for level in (Level.SINDICO, Level.VISITANTE)
    ]


@pytest.mark.parametrize("case", _object_cases(), ids=lambda c: c.id)
async def test_other_tenants_object_is_indistinguishable_from_a_missing_one(
    client: httpx.AsyncClient, world: World, case: Case
) -> None:
    other = await perform(client, world, case)
    missing = await perform(client, world, case, target="missing")
    assert _outcome(other, case.row.field) == _outcome(missing, case.row.field)


EVERYTHING = """{
  me { condominiosIds }
  condominios { items { id sindicoId tvs { id condominioId condominio { id } } } }
  tvs { items { id condominioId condominio { id tvs { id } } } }
  anuncios(limit: 20) { items { condominiosIds condominios { id tvs { id } } } }
  avisos(limit: 20) {
    items { condominiosIds sindicoIds condominios { id tvs { id } } }
  }
}"""


def _collect(value: Any, key: str | None, found: dict[str, set[int]]) -> None:
    if isinstance(value, dict):
        for name, inner in value.items():
            _collect(inner, name, found)
    elif isinstance(value, list):
        for inner in value:
            _collect(inner, key, found)
    elif isinstance(value, int) and key is not None:
        found.setdefault(key, set()).add(value)


@pytest.mark.parametrize("level", [Level.SINDICO, Level.VISITANTE])
async def test_no_other_tenants_id_even_nested(
    client: httpx.AsyncClient, world: World, level: Level
) -> None:
    response = await gql(client, EVERYTHING, headers=world.headers[level])
    body = response.json()
    assert "errors" not in body, body
    found: dict[str, set[int]] = {}
    _collect(body["data"], None, found)
    own = world.condo("own")
    assert found["condominiosIds"] == {own}
    assert found["condominioId"] == {own}
    assert found["sindicoId"] == {world.sa.id}
    # B's síndico signs the shared aviso: not shown to A's users.
    assert found["sindicoIds"] == {world.sa.id}
    tv_ids = {
        tv["id"]
        for condominium in body["data"]["condominios"]["items"]
        for tv in condominium["tvs"]
    }
    assert tv_ids == {world.tv("own").id}
    nested = {
        target["id"]
        for name in ("anuncios", "avisos")
        for item in body["data"][name]["items"]
        for target in item["condominios"]
    }
    assert nested == {own}
