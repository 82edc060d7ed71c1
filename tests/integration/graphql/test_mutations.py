"""Mutations: REST's services and errors, uploads through the multipart spec, the
dashboard's cookie with its CSRF token, and nothing half-written on a refusal."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import func, select

from expotv.ads.models import Ad
from expotv.notices.models import Notice
from expotv.users.schemas import Level
from tests.integration.authz.conftest import World, png_bytes
from tests.integration.graphql.conftest import gql
from tests.integration.painel.browserless import sign_in
from tests.support import Factory

CREATE_NOTICE = """mutation($dados: AvisoNovo!) {
  criarAviso(dados: $dados) { id nome status condominiosIds sindicoIds criadoPorId }
}"""
CREATE_AD = """mutation($dados: AnuncioNovo!, $f: Upload) {
  criarAnuncio(dados: $dados, arquivo: $f) { id nome tipoMidia archiveUrl duracao }
}"""


async def _count(factory: Factory, model: type[Any]) -> int:
    async with factory.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    query: str,
    variables: dict[str, Any],
    content: bytes,
    name: str = "novo.png",
    media_type: str = "image/png",
) -> httpx.Response:
    return await client.post(
        "/graphql",
        headers=headers,
        data={
            "operations": json.dumps({"query": query, "variables": variables}),
            "map": json.dumps({"0": ["variables.f"]}),
        },
        files={"0": (name, content, media_type)},
    )


async def test_a_sindico_creates_changes_and_deletes_an_aviso(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.headers[Level.SINDICO]
    own = world.condo("own")
    created = await gql(
        client,
        CREATE_NOTICE,
        {"dados": {"nome": "Obra", "mensagem": "Barulho", "condominiosIds": [own]}},
        headers=headers,
    )
    aviso = created.json()["data"]["criarAviso"]
    assert aviso["condominiosIds"] == [own]
    assert aviso["sindicoIds"] == [world.sa.id]
    assert aviso["criadoPorId"] == world.sa.id
    assert aviso["status"] == "ativo"

    changed = await gql(
        client,
        'mutation($id: Int!) { alterarAviso(id: $id, dados: {nome: "Obra 2", '
        "status: inativo}) { nome status mensagem } }",
        {"id": aviso["id"]},
        headers=headers,
    )
    assert changed.json()["data"]["alterarAviso"] == {
        "nome": "Obra 2",
        "status": "inativo",
        "mensagem": "Barulho",
    }
    rest = await client.get(f"/avisos/{aviso['id']}", headers=headers)
    assert rest.json()["nome"] == "Obra 2"

    deleted = await gql(
        client,
        "mutation($id: Int!) { excluirAviso(id: $id) }",
        {"id": aviso["id"]},
        headers=headers,
    )
    assert deleted.json() == {"data": {"excluirAviso": True}}
    gone = await client.get(f"/avisos/{aviso['id']}", headers=headers)
    assert gone.status_code == 404


async def test_an_anuncio_with_its_file_through_the_multipart_spec(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.headers[Level.SINDICO]
    response = await _upload(
        client,
        headers,
        CREATE_AD,
        {"dados": {"nome": "Pizzaria", "condominiosIds": [world.condo("own")]}},
        png_bytes(),
    )
    assert response.status_code == 200, response.text
    ad = response.json()["data"]["criarAnuncio"]
    assert ad["tipoMidia"] == "imagem"
    assert ad["duracao"] == 10
    media = await client.get(ad["archiveUrl"])
    assert media.status_code == 200
    assert media.headers["content-type"] == "image/png"


async def test_an_anuncio_without_its_file_is_refused_as_in_rest(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    before = await _count(factory, Ad)
    response = await gql(
        client,
        CREATE_AD,
        {"dados": {"nome": "Sem mídia", "condominiosIds": [world.condo("own")]}},
        headers=world.headers[Level.SINDICO],
    )
    (error,) = response.json()["errors"]
    assert error["extensions"] == {
        "code": "ad_media_required",
        "status": 422,
        "field": "arquivo",
    }
    assert await _count(factory, Ad) == before


async def test_a_file_of_another_kind_is_415_and_leaves_nothing(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    before = await _count(factory, Ad)
    response = await _upload(
        client,
        world.headers[Level.SINDICO],
        CREATE_AD,
        {"dados": {"nome": "Texto", "condominiosIds": [world.condo("own")]}},
        b"just some text, not a picture",
        name="nota.txt",
        media_type="text/plain",
    )
    (error,) = response.json()["errors"]
    assert error["extensions"]["status"] == 415
    assert await _count(factory, Ad) == before


async def test_an_invalid_input_is_rests_422_in_pt_br_and_writes_nothing(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    before = await _count(factory, Notice)
    response = await gql(
        client,
        CREATE_NOTICE,
        {
            "dados": {
                "nome": "X",
                "mensagem": "  ",
                "condominiosIds": [world.condo("own")],
            }
        },
        headers=world.headers[Level.SINDICO],
    )
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "validation_error"
    assert error["extensions"]["status"] == 422
    (detail,) = error["extensions"]["detail"]
    assert detail["loc"] == ["body", "mensagem"]
    assert await _count(factory, Notice) == before


async def test_a_quota_is_rests_403(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    async with factory.sessionmaker() as session:
        sa = await session.get(type(world.sa), world.sa.id)
        assert sa is not None
        sa.notice_limit = 1  # sA already created one aviso in the world
        await session.commit()
    response = await gql(
        client,
        CREATE_NOTICE,
        {
            "dados": {
                "nome": "X",
                "mensagem": "Y",
                "condominiosIds": [world.condo("own")],
            }
        },
        headers=world.headers[Level.SINDICO],
    )
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "notice_quota_exceeded", "status": 403}
    assert error["message"] == "limite de avisos atingido (1)"


async def test_proportions_follow_rests_rule(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.headers[Level.SINDICO]
    query = (
        "mutation($id: Int!, $a: Int, $v: Int, $n: Int) { definirProporcao(id: $id, "
        "proporcaoAnuncios: $a, proporcaoAvisos: $v, proporcaoNoticias: $n) "
        "{ proporcaoAnuncios proporcaoAvisos proporcaoNoticias } }"
    )
    tv = world.tv("own").id
    zero = await gql(client, query, {"id": tv, "a": 0, "v": 0, "n": 0}, headers=headers)
    assert zero.json()["errors"][0]["extensions"]["status"] == 422
    over = await gql(client, query, {"id": tv, "a": 101}, headers=headers)
    assert over.json()["errors"][0]["extensions"]["code"] == "validation_error"
    only = await gql(client, query, {"id": tv, "a": 2}, headers=headers)
    assert only.json()["data"]["definirProporcao"] == {
        "proporcaoAnuncios": 2,
        "proporcaoAvisos": 1,
        "proporcaoNoticias": 3,
    }


async def test_the_dashboard_cookie_works_and_mutations_need_its_csrf_token(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await sign_in(client, world.sa.email)
    me = await gql(client, "{ me { nome } }")
    assert me.json() == {"data": {"me": {"nome": "Síndica A"}}}
    mutation = (
        "mutation($id: Int!) { definirProporcao(id: $id, proporcaoAnuncios: 4) { id } }"
    )
    variables = {"id": world.tv("own").id}
    for sent in ({}, {"X-CSRF-Token": "x" * 64}):
        refused = await gql(client, mutation, variables, headers=sent)
        assert refused.status_code == 403, refused.text
        (error,) = refused.json()["errors"]
        assert error["extensions"] == {"code": "csrf_failed", "status": 403}
    accepted = await gql(client, mutation, variables, headers={"X-CSRF-Token": csrf})
    assert accepted.json() == {"data": {"definirProporcao": {"id": world.tv("own").id}}}


async def test_scheduling_fields_go_through_rest_rules(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.headers[Level.SINDICO]
    own, tv = world.condo("own"), world.tv("own").id
    dados = {
        "nome": "Noturno",
        "mensagem": "Silêncio após as 22h",
        "condominiosIds": [own],
        "horarios": [{"dias": [1, 5], "inicio": "22:00", "fim": "06:00"}],
        "tvsIds": [tv],
    }
    created = await gql(
        client,
        "mutation($dados: AvisoNovo!) { criarAviso(dados: $dados) "
        "{ tvsIds emergencia horarios { dias inicio fim } } }",
        {"dados": dados},
        headers=headers,
    )
    assert created.json()["data"]["criarAviso"] == {
        "tvsIds": [tv],
        "emergencia": False,
        "horarios": [{"dias": [1, 5], "inicio": "22:00", "fim": "06:00"}],
    }
    other_tv = await gql(
        client,
        "mutation($dados: AvisoNovo!) { criarAviso(dados: $dados) { id } }",
        {"dados": {**dados, "tvsIds": [world.tv("other").id]}},
        headers=headers,
    )
    assert other_tv.json()["errors"][0]["extensions"]["status"] == 404
    off = {"nome": "Desligado", "mensagem": "x", "condominiosIds": [own]}
    await gql(
        client,
        "mutation($dados: AvisoNovo!) { criarAviso(dados: $dados) { id } }",
        {"dados": {**off, "status": "inativo"}},
        headers=headers,
    )
    playlist = await gql(
        client,
        "query($id: Int!) { tv(id: $id) { playlist { modo validoAte "
        "fora { tipo titulo motivo } } condominio { fusoHorario } } }",
        {"id": tv},
        headers=headers,
    )
    data = playlist.json()["data"]["tv"]
    assert data["playlist"]["modo"] == "normal"
    assert data["condominio"]["fusoHorario"] == "America/Sao_Paulo"
    assert {"tipo": "aviso", "titulo": "Desligado", "motivo": "inativo"} in data[
        "playlist"
    ]["fora"]
