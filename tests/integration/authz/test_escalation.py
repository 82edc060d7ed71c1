"""Protected fields sent by a caller are ignored: no level raises its own powers."""

from __future__ import annotations

import httpx
import pytest

from expotv.users.schemas import Level
from tests import support
from tests.integration.authz.conftest import World

PROTECTED = {
    "nivel": "Master",
    "ativo": True,
    "limite_anuncios": 999,
    "limite_avisos": 999,
    "limite_condominios": 999,
    "id": 1,
}


@pytest.mark.parametrize("level", [Level.SINDICO, Level.VISITANTE])
async def test_own_profile_update_ignores_level_limits_and_condominios(
    client: httpx.AsyncClient, world: World, level: Level
) -> None:
    headers = world.headers[level]
    before = (await client.get("/auth/me", headers=headers)).json()
    response = await client.put(
        "/auth/me",
        headers=headers,
        json={
            "nome": "Outro nome",
            "senha_atual": support.PASSWORD,
            "condominios_ids": [world.condo("other")],
            **PROTECTED,
        },
    )
    assert response.status_code == 200, response.text
    after = (await client.get("/auth/me", headers=headers)).json()
    assert after["nome"] == "Outro nome"
    for name in ("id", "nivel", "limite_anuncios", "limite_avisos"):
        assert after[name] == before[name], name
    assert after["limite_condominios"] == before["limite_condominios"]
    assert after["condominios_ids"] == before["condominios_ids"]
    # Still unable to do what the level forbids.
    users = await client.get("/usuarios", headers=headers)
    assert users.status_code == 403


async def test_registration_always_creates_a_visitante_with_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        "/auth/register",
        json={
            "nome": "Esperto",
            "email": "esperto@authz.example.com",
            "senha": support.PASSWORD,
            "condominios_ids": [world.condo("own")],
            **PROTECTED,
        },
    )
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["nivel"] == "Visitante"
    assert user["condominios_ids"] == []
    assert user["limite_anuncios"] != 999


async def test_a_sindicos_item_writes_ignore_the_creator_field(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.headers[Level.SINDICO]
    for url in (f"/anuncios/{world.ad('own')}", f"/avisos/{world.notice('own')}"):
        response = await client.put(
            url, headers=headers, json={"nome": "Meu", "criado_por_id": world.sb.id}
        )
        assert response.status_code == 200, response.text
        assert response.json()["criado_por_id"] == world.sa.id
    created = await client.post(
        "/avisos",
        headers=headers,
        json={
            "nome": "Novo",
            "mensagem": "Texto",
            "condominios_ids": [world.condo("own")],
            "criado_por_id": world.master.id,
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["criado_por_id"] == world.sa.id


async def test_a_sindico_can_not_take_another_tenants_condominio_or_tv(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.headers[Level.SINDICO]
    # Handing its own condomínio to B's síndico (it would lose it) is refused.
    handed = await client.put(
        f"/condominios/{world.condo('own')}",
        headers=headers,
        json={"sindico_id": world.sb.id},
    )
    assert handed.status_code == 422
    created = await client.post(
        "/condominios", headers=headers, json={"nome": "Meu", "sindico_id": world.sb.id}
    )
    assert created.status_code == 422
    # B's objects stay out of reach whatever the body says.
    taken = await client.put(
        f"/condominios/{world.condo('other')}",
        headers=headers,
        json={"sindico_id": world.sa.id},
    )
    assert taken.status_code == 404
    moved = await client.put(
        f"/tvs/{world.tv('other').id}",
        headers=headers,
        json={"condominio_id": world.condo("own")},
    )
    assert moved.status_code == 404
    master = world.headers[Level.MASTER]
    condo_b = await client.get(f"/condominios/{world.condo('other')}", headers=master)
    assert condo_b.json()["sindico_id"] == world.sb.id
    assert [tv["id"] for tv in condo_b.json()["tvs"]] == [world.tv("other").id]
