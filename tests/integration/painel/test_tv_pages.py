"""TV pages: live status, and the loop preview computed by the server's function."""

from __future__ import annotations

from datetime import timedelta

import httpx

from expotv.db import utcnow
from expotv.users.models import Role
from tests.integration.condominiums import arrange
from tests.integration.painel.browserless import sign_in
from tests.support import Factory

JSON = {"Accept": "application/json"}


async def test_preview_is_the_loop_the_tv_gets(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER)
    condo = await arrange.condominium(factory, manager=manager)
    tv = await arrange.tv(factory, condo)
    now = utcnow()
    for _ in range(3):
        await arrange.ad(factory, condo, created_at=now)
    await arrange.notice(factory, condo, created_at=now)
    await sign_in(client, manager.email)

    content = (await client.get(f"/app/tv/{tv.code}/content")).json()
    played = [(item["tipo"], item["id"]) for item in content["itens"]]
    preview = await client.get(
        f"/painel/tvs/{tv.id}/previa.json",
        params={
            "proporcao_avisos": 1,
            "proporcao_anuncios": 5,
            "proporcao_noticias": 3,
        },
    )
    assert preview.status_code == 200
    body = preview.json()
    assert [(item["tipo"], item["id"]) for item in body["itens"]] == played
    assert body["total_itens"] == len(played)

    other = await client.get(
        f"/painel/tvs/{tv.id}/previa.json",
        params={
            "proporcao_avisos": 2,
            "proporcao_anuncios": 1,
            "proporcao_noticias": 0,
        },
    )
    kinds = [item["tipo"] for item in other.json()["itens"]]
    assert kinds == ["aviso", "aviso", "anuncio"] * 3
    assert other.json()["contagem_texto"] == "6 avisos, 3 anúncios"


async def test_preview_refuses_proportions_the_api_refuses(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER)
    condo = await arrange.condominium(factory, manager=manager)
    tv = await arrange.tv(factory, condo)
    await sign_in(client, manager.email)
    zero = await client.get(
        f"/painel/tvs/{tv.id}/previa.json",
        params={
            "proporcao_avisos": 0,
            "proporcao_anuncios": 0,
            "proporcao_noticias": 0,
        },
    )
    assert zero.status_code == 422
    assert zero.json()["detail"][0]["loc"][-1] == "proporcao_anuncios"
    too_many = await client.get(
        f"/painel/tvs/{tv.id}/previa.json",
        params={
            "proporcao_avisos": 101,
            "proporcao_anuncios": 1,
            "proporcao_noticias": 1,
        },
    )
    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["msg"] == "informe um valor até 100"


async def test_status_json_reports_online_and_the_last_ping(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER)
    condo = await arrange.condominium(factory, manager=manager)
    fresh = await arrange.tv(
        factory, condo, last_seen_at=utcnow() - timedelta(seconds=5)
    )
    stale = await arrange.tv(
        factory, condo, name="Velha", last_seen_at=utcnow() - timedelta(hours=3)
    )
    await sign_in(client, manager.email)
    body = (
        await client.get(f"/painel/tvs/status.json?ids={fresh.id},{stale.id},x,0")
    ).json()
    states = {s["id"]: s for s in body["tvs"]}
    assert states[fresh.id]["status"] == "online"
    assert states[fresh.id]["ultimo_ping_texto"] == "agora"
    assert states[stale.id]["status"] == "offline"
    assert states[stale.id]["ultimo_ping_texto"] == "há 3 horas"


async def test_new_tv_page_shows_the_code_and_the_player_address(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER)
    condo = await arrange.condominium(factory, manager=manager)
    csrf = await sign_in(client, manager.email)
    created = await client.post(
        "/painel/tvs/nova",
        data={"csrf_token": csrf, "nome": "Hall", "condominio_id": str(condo.id)},
    )
    assert created.status_code == 303
    page = await client.get(created.headers["location"])
    assert "TV cadastrada" in page.text
    tv_id = created.headers["location"].split("/")[3].split("?")[0]
    api_tv = (
        await client.get(f"/tvs/{tv_id}", headers=await factory.headers(manager))
    ).json()
    assert f"http://testserver/tv/{api_tv['codigo']}" in page.text
    assert f'src="/tv/{api_tv["codigo"]}?preview=1"' in page.text
