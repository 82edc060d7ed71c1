"""Queries refused before anything runs: not one SQL statement, a clear pt-BR error.

Also: the statements a page costs do not grow with the page (DataLoaders).
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from expotv.ads.models import Ad
from expotv.condominiums.models import Condominium
from expotv.context import context_of
from expotv.notices.models import Notice
from expotv.tvs.models import TV
from expotv.users.models import Role
from tests import support
from tests.integration.graphql.conftest import Statements, gql

DEEP = (
    "{ tvs { items { condominio { tvs { condominio { tvs { condominio { tvs "
    "{ condominio { nome } } } } } } } } } }"
)
COSTLY = (
    "{ tvs(limit: 200) { items { condominio { tvs { playlist { itens { titulo } } } }"
    " } } }"
)
ALIASED = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(16)) + " }"
TWO_MUTATIONS = "mutation { a: excluirAviso(id: 1) b: excluirAnuncio(id: 1) }"


@pytest.fixture
async def headers(
    factory: support.Factory, client: httpx.AsyncClient
) -> dict[str, str]:
    return await factory.headers(await factory.user(Role.ADMIN))


@pytest.mark.parametrize(
    ("query", "code", "words"),
    [
        (DEEP, "graphql_too_deep", "profunda demais: 10 níveis (máximo 8)"),
        (COSTLY, "graphql_too_costly", "cara demais"),
        (ALIASED, "graphql_too_many_aliases", "apelidos (aliases) demais: 16"),
        (TWO_MUTATIONS, "graphql_one_mutation", "uma mutação por requisição"),
        ("{ __schema { types { name } } }", "graphql_introspection_disabled", ""),
    ],
    ids=["deep", "costly", "aliased", "two-mutations", "introspection"],
)
async def test_refused_before_any_statement(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    statements: Statements,
    query: str,
    code: str,
    words: str,
) -> None:
    statements.clear()
    response = await gql(client, query, headers=headers)
    assert statements.log == []
    assert response.status_code == 400, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": code, "status": 400}
    assert words in error["message"]


async def test_a_batch_too_large_is_refused_before_any_statement(
    client: httpx.AsyncClient, headers: dict[str, str], statements: Statements
) -> None:
    statements.clear()
    batch = [{"query": "{ me { id } }"}] * 11
    response = await client.post("/graphql", json=batch, headers=headers)
    assert statements.log == []
    assert response.status_code == 400
    assert response.json() == {
        "detail": "operações demais no lote",
        "code": "graphql_batch_too_large",
    }


async def test_a_batch_of_queries_runs_one_after_another(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    batch = [{"query": "{ me { nivel } }"}, {"query": "{ tvs { total } }"}]
    response = await client.post("/graphql", json=batch, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == [
        {"data": {"me": {"nivel": "Master"}}},
        {"data": {"tvs": {"total": 0}}},
    ]


async def test_a_mutation_in_a_batch_is_refused(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    batch = [{"query": "mutation { excluirAviso(id: 1) }"}]
    response = await client.post("/graphql", json=batch, headers=headers)
    (result,) = response.json()
    assert result["errors"][0]["extensions"]["code"] == "graphql_batched_mutation"


async def test_without_credentials_401_before_any_statement(
    client: httpx.AsyncClient, statements: Statements
) -> None:
    statements.clear()
    response = await gql(client, "{ me { id } }")
    assert statements.log == []
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "autenticação necessária",
                "extensions": {"code": "unauthenticated", "status": 401},
            }
        ],
    }


async def test_an_ended_session_is_401(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.ADMIN)
    headers = await factory.headers(user)
    await client.post("/graphql", json={"query": "{ me { id } }"}, headers=headers)
    # Deactivated as the product does it (a cached session is retired at once).
    other = await factory.headers(await factory.user(Role.ADMIN))
    deactivated = await client.put(
        f"/usuarios/{user.id}", json={"ativo": False}, headers=other
    )
    assert deactivated.status_code == 200
    response = await gql(client, "{ me { id } }", headers=headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "unauthenticated"


async def test_transport_errors_are_rest_shaped_in_pt_br(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.post(
        "/graphql",
        content=b"{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    # The request edge refuses malformed JSON on every route, /graphql too.
    assert response.status_code == 422
    assert "code" in response.json()
    response = await client.post(
        "/graphql", content=b"query=1", headers={**headers, "Content-Type": "text/x"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "tipo de conteúdo não aceito: envie application/json ou "
        "multipart/form-data",
        "code": "unsupported_content_type",
    }
    response = await client.get(
        "/graphql",
        params={"query": "mutation { excluirAviso(id: 1) }"},
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "graphql_method_not_allowed"


async def _world_of_tvs(app: FastAPI, count: int) -> None:
    """``count`` TVs over count/5 condomínios, each with an anúncio and an aviso."""
    async with context_of(app).sessionmaker() as session:
        condominiums = [
            Condominium(name=f"Condomínio {i}", address="") for i in range(count // 5)
        ]
        session.add_all(condominiums)
        await session.flush()
        for i in range(count):
            session.add(
                TV(
                    code=f"Q{i:05d}",
                    name=f"TV {i}",
                    condominium_id=condominiums[i % len(condominiums)].id,
                )
            )
        for condominium in condominiums:
            session.add(
                Ad(name=f"Anúncio {condominium.id}", condominiums=[condominium])
            )
            session.add(
                Notice(
                    name=f"Aviso {condominium.id}",
                    message="Texto",
                    condominiums=[condominium],
                )
            )
        await session.commit()


PAGE_OF_TVS = """query($n: Int!) {
  tvs(limit: $n) {
    total
    items {
      codigo status ultimoPing
      condominio { nome tvs { codigo } }
      playlist { versao itens { tipo titulo } }
    }
  }
  anuncios(limit: $n) { items { nome condominios { nome } } }
  avisos(limit: $n) { items { nome sindicoIds condominios { nome } } }
  usuarios(limit: $n) { items { nome condominiosIds } }
}"""


async def _statements_for(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    statements: Statements,
    count: int,
) -> int:
    statements.clear()
    response = await gql(client, PAGE_OF_TVS, {"n": count}, headers=headers)
    body = response.json()
    assert "errors" not in body, body
    assert len(body["data"]["tvs"]["items"]) == count
    assert all(tv["playlist"]["itens"] for tv in body["data"]["tvs"]["items"])
    return statements.count


async def test_a_page_costs_the_same_statements_for_10_and_100_tvs(
    app: FastAPI,
    client: httpx.AsyncClient,
    headers: dict[str, str],
    statements: Statements,
) -> None:
    await _world_of_tvs(app, 100)
    # The session check is cached after the first request: warm it for both.
    await client.post("/graphql", json={"query": "{ me { id } }"}, headers=headers)
    ten = await _statements_for(client, headers, statements, 10)
    hundred = await _statements_for(client, headers, statements, 100)
    assert ten == hundred
    # Session check, and per root field a count and a page plus its relations.
    assert hundred < 25, statements.log
