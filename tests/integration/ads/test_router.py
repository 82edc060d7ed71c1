from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from expotv.ads.models import Ad
from expotv.config import Settings
from expotv.tvs.models import TV
from expotv.users.models import Role
from tests.integration.ads.helpers import (
    World,
    browser_form,
    png_file,
    set_columns,
    stored_path,
)
from tests.support import Factory


def future(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def post_ad(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    condominium_ids: list[int],
    *,
    expect: int = 201,
    color: str = "red",
    **fields: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "nome": "Pizzaria do Bairro",
        "condominios_ids": [str(i) for i in condominium_ids],
        **fields,
    }
    response = await client.post(
        "/anuncios", data=data, files=png_file(color), headers=headers
    )
    assert response.status_code == expect, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_multipart_create_stores_the_image_and_answers_the_contract_shape(
    client: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    ad = await post_ad(
        client,
        world.a_headers,
        [world.condo_a.id, world.condo_a2.id],
        numero_anunciante="(11) 99999-0000",
        nome_anunciante="José",
    )

    assert set(ad) >= {
        "id",
        "nome",
        "condominios_ids",
        "numero_anunciante",
        "nome_anunciante",
        "status",
        "data_expiracao",
        "archive_url",
        "duracao",
        "tipo_midia",
        "criado_por_id",
        "created_at",
        "updated_at",
        "thumbnail_url",
        "erro_midia",
    }
    assert ad["nome"] == "Pizzaria do Bairro"
    assert ad["condominios_ids"] == [world.condo_a.id, world.condo_a2.id]
    assert ad["numero_anunciante"] == "(11) 99999-0000"
    assert ad["status"] == "ativo"
    assert ad["tipo_midia"] == "imagem"
    assert ad["duracao"] == 10
    assert ad["data_expiracao"] is None
    assert ad["criado_por_id"] == world.manager_a.id
    assert ad["erro_midia"] is None
    assert ad["archive_url"].startswith("/media/imagem/")
    assert stored_path(settings, ad["archive_url"]).is_file()

    response = await client.get(f"/anuncios/{ad['id']}", headers=world.a_headers)
    assert response.status_code == 200
    assert response.json() == ad


async def test_ids_may_be_sent_as_one_comma_separated_field(
    client: httpx.AsyncClient, world: World
) -> None:
    ad = await post_ad(
        client,
        world.admin_headers,
        [],
        condominios_ids=f"{world.condo_b.id}, {world.condo_a.id}",
    )
    assert ad["condominios_ids"] == sorted([world.condo_a.id, world.condo_b.id])


async def test_json_update_changes_only_the_fields_sent(
    client: httpx.AsyncClient, world: World
) -> None:
    ad = await post_ad(
        client, world.a_headers, [world.condo_a.id], nome_anunciante="José"
    )
    expires = future(10)

    response = await client.put(
        f"/anuncios/{ad['id']}",
        json={
            "nome": "Pizzaria Nova",
            "data_expiracao": expires,
            "duracao": 25,
            "criado_por_id": world.admin.id,
            "archive_url": "http://example.com/x.png",
            "inventado": 1,
        },
        headers=world.a_headers,
    )

    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["nome"] == "Pizzaria Nova"
    assert changed["duracao"] == 25
    assert datetime.fromisoformat(changed["data_expiracao"]) == datetime.fromisoformat(
        expires
    )
    assert changed["nome_anunciante"] == "José"
    assert changed["criado_por_id"] == world.manager_a.id
    assert changed["archive_url"] == ad["archive_url"]
    assert changed["condominios_ids"] == [world.condo_a.id]
    updated_at = datetime.fromisoformat(changed["updated_at"])
    assert updated_at > datetime.fromisoformat(ad["updated_at"])


async def test_an_empty_multipart_value_clears_the_expiry(
    client: httpx.AsyncClient, world: World
) -> None:
    ad = await post_ad(
        client, world.admin_headers, [world.condo_a.id], data_expiracao=future()
    )
    assert ad["data_expiracao"] is not None

    body, content_type = browser_form(
        {"data_expiracao": "", "nome_anunciante": ""}, "arquivo"
    )
    response = await client.put(
        f"/anuncios/{ad['id']}",
        content=body,
        headers={**world.admin_headers, "Content-Type": content_type},
    )

    assert response.status_code == 200, response.text
    assert response.json()["data_expiracao"] is None
    assert response.json()["nome"] == ad["nome"]


async def test_a_json_create_is_refused_because_the_file_is_required(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        "/anuncios",
        json={"nome": "Sem arquivo", "condominios_ids": [world.condo_a.id]},
        headers=world.admin_headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "arquivo"]


async def test_other_content_types_are_415_and_malformed_json_is_422(
    client: httpx.AsyncClient, world: World
) -> None:
    plain = await client.post(
        "/anuncios",
        content=b"nome=x",
        headers={**world.admin_headers, "Content-Type": "text/plain"},
    )
    assert plain.status_code == 415
    # A form without a file is not multipart: JSON is the way without a file.
    urlencoded = await client.post(
        "/anuncios", data={"nome": "x"}, headers=world.admin_headers
    )
    assert urlencoded.status_code == 415

    broken = await client.post(
        "/anuncios",
        content=b'{"nome": ',
        headers={**world.admin_headers, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["loc"] == ["body"]

    not_an_object = await client.post(
        "/anuncios",
        content=b"[1, 2]",
        headers={**world.admin_headers, "Content-Type": "application/json"},
    )
    assert not_an_object.status_code == 422


async def test_invalid_fields_are_422_naming_the_field(
    client: httpx.AsyncClient, world: World
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"duracao": "0"}, "duracao"),
        ({"duracao": "3601"}, "duracao"),
        ({"status": "expirado"}, "status"),
        ({"status": "processando"}, "status"),
        ({"data_expiracao": "2001-01-01T00:00:00Z"}, "data_expiracao"),
        ({"data_expiracao": "amanhã"}, "data_expiracao"),
        ({"condominios_ids": ""}, "condominios_ids"),
        ({"condominios_ids": "1,abc"}, "condominios_ids"),
        ({"condominios_ids": str(2**40)}, "condominios_ids"),
        ({"nome": "   "}, "nome"),
        ({"nome": "x" * 201}, "nome"),
    ]
    for fields, field in cases:
        data = {
            "nome": "Válido",
            "condominios_ids": str(world.condo_a.id),
            **fields,
        }
        response = await client.post(
            "/anuncios", data=data, files=png_file(), headers=world.admin_headers
        )
        assert response.status_code == 422, (fields, response.text)
        assert response.json()["detail"][0]["loc"][:2] == ["body", field], fields


async def test_past_expiry_on_update_is_422(
    client: httpx.AsyncClient, world: World
) -> None:
    ad = await post_ad(client, world.admin_headers, [world.condo_a.id])
    response = await client.put(
        f"/anuncios/{ad['id']}",
        json={"data_expiracao": "2020-05-01T10:00:00-03:00"},
        headers=world.admin_headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "data_expiracao"]


async def test_a_file_that_is_not_media_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    response = await client.post(
        "/anuncios",
        data={"nome": "Texto", "condominios_ids": str(world.condo_a.id)},
        files={"arquivo": ("a.png", b"isto nao e uma imagem", "image/png")},
        headers=world.admin_headers,
    )
    assert response.status_code == 415
    listing = await client.get("/anuncios", headers=world.admin_headers)
    assert listing.json()["total"] == 0


async def test_list_filters_paginate_and_count_in_the_database(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    first = await post_ad(
        client, world.admin_headers, [world.condo_a.id], nome="Padaria 100%"
    )
    second = await post_ad(
        client, world.admin_headers, [world.condo_b.id], nome="Academia"
    )
    third = await post_ad(
        client,
        world.admin_headers,
        [world.condo_a.id, world.condo_b.id],
        nome="Padaria Doce",
        status="inativo",
    )
    expired = await post_ad(
        client, world.admin_headers, [world.condo_a.id], nome="Velho"
    )
    # Past its expiry, before the expiry job ran.
    await set_columns(
        factory, Ad, expired["id"], expires_at=datetime.now(UTC) - timedelta(hours=1)
    )

    async def ids(**params: Any) -> tuple[list[int], int]:
        response = await client.get(
            "/anuncios", params=params, headers=world.admin_headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return [item["id"] for item in body["items"]], body["total"]

    everything = [first["id"], second["id"], third["id"], expired["id"]]
    assert await ids() == (everything, 4)
    assert await ids(condominio_id=world.condo_b.id) == (
        [second["id"], third["id"]],
        2,
    )
    assert await ids(q="padaria") == ([first["id"], third["id"]], 2)
    assert await ids(q="100%") == ([first["id"]], 1)
    assert await ids(status="inativo") == ([third["id"]], 1)
    assert await ids(status="ativo") == ([first["id"], second["id"]], 2)
    assert await ids(status="expirado") == ([expired["id"]], 1)
    assert await ids(limit=2, offset=1) == ([second["id"], third["id"]], 4)

    page = await client.get(
        "/anuncios", params={"limit": 2, "offset": 2}, headers=world.admin_headers
    )
    assert page.json()["limit"] == 2
    assert page.json()["offset"] == 2
    shown = await client.get(f"/anuncios/{expired['id']}", headers=world.admin_headers)
    assert shown.json()["status"] == "expirado"

    assert (
        await client.get(
            "/anuncios", params={"status": "x"}, headers=world.admin_headers
        )
    ).status_code == 422
    assert (
        await client.get(
            "/anuncios", params={"limit": 201}, headers=world.admin_headers
        )
    ).status_code == 422


async def test_bad_ids_in_the_path_are_422_and_unknown_ones_404(
    client: httpx.AsyncClient, world: World
) -> None:
    for bad in ("0", "-1", str(2**63), "abc"):
        response = await client.get(f"/anuncios/{bad}", headers=world.admin_headers)
        assert response.status_code == 422, bad
    assert (
        await client.get("/anuncios/999999", headers=world.admin_headers)
    ).status_code == 404
    assert (
        await client.delete("/anuncios/999999", headers=world.admin_headers)
    ).status_code == 404


async def test_replacing_the_media_removes_the_old_objects(
    client: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    ad = await post_ad(client, world.a_headers, [world.condo_a.id], color="red")
    old_file = stored_path(settings, ad["archive_url"])
    old_thumb = (
        stored_path(settings, ad["thumbnail_url"]) if ad["thumbnail_url"] else None
    )
    assert old_file.is_file()

    response = await client.put(
        f"/anuncios/{ad['id']}",
        data={"nome": "Com foto nova"},
        files=png_file("blue"),
        headers=world.a_headers,
    )

    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["archive_url"] != ad["archive_url"]
    assert changed["nome"] == "Com foto nova"
    assert stored_path(settings, changed["archive_url"]).is_file()
    assert not old_file.exists()
    if old_thumb is not None:
        assert not old_thumb.exists()


async def test_deleting_an_ad_removes_its_media(
    client: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    ad = await post_ad(client, world.a_headers, [world.condo_a.id])
    path = stored_path(settings, ad["archive_url"])

    response = await client.delete(f"/anuncios/{ad['id']}", headers=world.a_headers)

    assert response.status_code == 204
    assert not path.exists()
    gone = await client.get(f"/anuncios/{ad['id']}", headers=world.a_headers)
    assert gone.status_code == 404


async def test_manager_cannot_see_or_touch_another_tenants_ads(
    client: httpx.AsyncClient, world: World
) -> None:
    ad = await post_ad(client, world.a_headers, [world.condo_a.id])
    url = f"/anuncios/{ad['id']}"

    assert (await client.get(url, headers=world.b_headers)).status_code == 404
    put = await client.put(url, json={"nome": "x"}, headers=world.b_headers)
    assert put.status_code == 404
    assert (await client.delete(url, headers=world.b_headers)).status_code == 404
    listing = await client.get("/anuncios", headers=world.b_headers)
    assert listing.json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
    # Filtering by a condomínio it can not see is an empty page, not an error.
    filtered = await client.get(
        "/anuncios",
        params={"condominio_id": world.condo_a.id},
        headers=world.b_headers,
    )
    assert filtered.json()["total"] == 0


async def test_manager_targets_only_its_own_condominiums(
    client: httpx.AsyncClient, world: World
) -> None:
    await post_ad(
        client, world.a_headers, [world.condo_a.id, world.condo_b.id], expect=404
    )
    await post_ad(client, world.a_headers, [999999], expect=404)
    ad = await post_ad(client, world.a_headers, [world.condo_a.id])
    response = await client.put(
        f"/anuncios/{ad['id']}",
        json={"condominios_ids": [world.condo_b.id]},
        headers=world.a_headers,
    )
    assert response.status_code == 404


async def test_manager_changes_only_the_ads_it_created(
    client: httpx.AsyncClient, world: World
) -> None:
    ad = await post_ad(client, world.admin_headers, [world.condo_a.id])
    url = f"/anuncios/{ad['id']}"

    assert (await client.get(url, headers=world.a_headers)).status_code == 200
    put = await client.put(url, json={"nome": "meu"}, headers=world.a_headers)
    assert put.status_code == 403
    assert put.json()["code"] == "ad_not_owned"
    assert (await client.delete(url, headers=world.a_headers)).status_code == 403


async def test_viewer_reads_its_condominiums_ads_and_may_not_write(
    client: httpx.AsyncClient, world: World
) -> None:
    mine = await post_ad(client, world.admin_headers, [world.condo_a.id])
    other = await post_ad(client, world.admin_headers, [world.condo_b.id])
    headers = world.viewer_headers

    listing = await client.get("/anuncios", headers=headers)
    assert [item["id"] for item in listing.json()["items"]] == [mine["id"]]
    assert (
        await client.get(f"/anuncios/{mine['id']}", headers=headers)
    ).status_code == 200
    put = await client.put(
        f"/anuncios/{mine['id']}", json={"nome": "x"}, headers=headers
    )
    assert put.status_code == 403
    assert (
        await client.delete(f"/anuncios/{mine['id']}", headers=headers)
    ).status_code == 403
    # Invisible first: 404 before the level's 403.
    hidden = await client.put(
        f"/anuncios/{other['id']}", json={"nome": "x"}, headers=headers
    )
    assert hidden.status_code == 404
    create = await client.post(
        "/anuncios",
        data={"nome": "x", "condominios_ids": str(world.condo_a.id)},
        files=png_file(),
        headers=headers,
    )
    assert create.status_code == 403


async def test_target_ids_show_only_what_the_caller_may_see_and_hidden_ones_stay(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    ad = await post_ad(
        client, world.admin_headers, [world.condo_a.id, world.condo_b.id]
    )
    # As if A had created it before B's condomínio changed hands.
    await set_columns(factory, Ad, ad["id"], created_by_id=world.manager_a.id)
    url = f"/anuncios/{ad['id']}"

    seen_by_a = await client.get(url, headers=world.a_headers)
    assert seen_by_a.json()["condominios_ids"] == [world.condo_a.id]
    seen_by_viewer = await client.get(url, headers=world.viewer_headers)
    assert seen_by_viewer.json()["condominios_ids"] == [world.condo_a.id]

    moved = await client.put(
        url, json={"condominios_ids": [world.condo_a2.id]}, headers=world.a_headers
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["condominios_ids"] == [world.condo_a2.id]
    seen_by_admin = await client.get(url, headers=world.admin_headers)
    assert seen_by_admin.json()["condominios_ids"] == [
        world.condo_a2.id,
        world.condo_b.id,
    ]


async def test_manager_quota_counts_live_ads_only(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER, ad_limit=2)
    headers = await factory.headers(manager)
    await set_columns(
        factory, type(world.condo_a2), world.condo_a2.id, manager_id=manager.id
    )
    first = await post_ad(client, headers, [world.condo_a2.id])
    await post_ad(client, headers, [world.condo_a2.id], status="inativo")

    refused = await client.post(
        "/anuncios",
        data={"nome": "Terceiro", "condominios_ids": str(world.condo_a2.id)},
        files=png_file(),
        headers=headers,
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "limite de anúncios atingido (2)"

    # An ad past its expiry frees its slot, even before the job marks it.
    await set_columns(
        factory, Ad, first["id"], expires_at=datetime.now(UTC) - timedelta(minutes=1)
    )
    third = await post_ad(client, headers, [world.condo_a2.id])

    # Bringing the expired one back would exceed the limit again.
    revived = await client.put(
        f"/anuncios/{first['id']}",
        json={"data_expiracao": None},
        headers=headers,
    )
    assert revived.status_code == 403
    # The Master has no limit.
    for _ in range(3):
        await post_ad(client, world.admin_headers, [world.condo_a2.id])
    assert third["criado_por_id"] == manager.id


async def test_two_simultaneous_creates_for_the_last_slot_give_exactly_one_ad(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER, ad_limit=2)
    headers = await factory.headers(manager)
    await set_columns(
        factory, type(world.condo_a2), world.condo_a2.id, manager_id=manager.id
    )
    await post_ad(client, headers, [world.condo_a2.id])

    async def create(color: str) -> httpx.Response:
        return await client.post(
            "/anuncios",
            data={
                "nome": f"Corrida {color}",
                "condominios_ids": str(world.condo_a2.id),
            },
            files=png_file(color),
            headers=headers,
        )

    results = await asyncio.gather(create("green"), create("yellow"))

    assert sorted(r.status_code for r in results) == [201, 403]
    listing = await client.get("/anuncios", headers=headers)
    assert listing.json()["total"] == 2


async def test_tv_playlists_follow_creates_retargets_and_deletes(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    tv_a = await factory.add(
        TV(code="AAAAAA", name="Hall A", condominium_id=world.condo_a.id)
    )
    tv_a2 = await factory.add(
        TV(code="BBBBBB", name="Hall A2", condominium_id=world.condo_a2.id)
    )

    async def titles(tv: TV) -> set[str]:
        response = await client.get(f"/app/tv/{tv.code}/content")
        assert response.status_code == 200, response.text
        items = response.json()["itens"]
        return {i["titulo"] for i in items if i["tipo"] == "anuncio"}

    # Cached empty playlists first, so a missed invalidation would show.
    assert await titles(tv_a) == set()
    assert await titles(tv_a2) == set()

    ad = await post_ad(client, world.a_headers, [world.condo_a.id], nome="Feira")
    assert await titles(tv_a) == {"Feira"}

    moved = await client.put(
        f"/anuncios/{ad['id']}",
        json={"condominios_ids": [world.condo_a2.id]},
        headers=world.a_headers,
    )
    assert moved.status_code == 200
    assert await titles(tv_a) == set()
    assert await titles(tv_a2) == {"Feira"}

    await client.delete(f"/anuncios/{ad['id']}", headers=world.a_headers)
    assert await titles(tv_a2) == set()
