"""Queries: the REST collections and objects, as the caller may see them."""

from __future__ import annotations

import httpx

from expotv.users.schemas import Level
from tests.integration.authz.conftest import World
from tests.integration.graphql.conftest import gql


async def test_me_and_lists_for_a_sindico(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await gql(
        client,
        """{ me { nome nivel condominiosIds }
             condominios { total items { id nome tvs { codigo status } } }
             tvs { total items { codigo condominio { nome }
                                 playlist { versao itens { tipo titulo } } } }
             anuncios { total items { nome condominiosIds condominios { id } } }
             avisos { items { nome sindicoIds } } }""",
        headers=world.headers[Level.SINDICO],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    data = body["data"]
    assert data["me"] == {
        "nome": "Síndica A",
        "nivel": "Sindico",
        "condominiosIds": [world.condo("own")],
    }
    assert data["condominios"]["total"] == 1
    assert data["tvs"]["items"][0]["codigo"] == world.tv("own").code
    # The shared anúncio targets A and B: only A's id shows, even nested.
    shared = next(a for a in data["anuncios"]["items"] if a["nome"] == "Anúncio AB")
    assert shared["condominiosIds"] == [world.condo("own")]
    assert shared["condominios"] == [{"id": world.condo("own")}]
