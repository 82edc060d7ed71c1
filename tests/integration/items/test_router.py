"""What /anuncios and /avisos do alike: every test here runs for both kinds.

Each kind's own fields and rules are tested beside it (``ads/``, ``notices/``).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.tvs.models import TV
from expotv.users.models import Role
from tests.integration.items.helpers import (
    KindCase,
    World,
    browser_form,
    png_file,
    set_columns,
    stored_path,
)
from tests.support import Factory


def future(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def test_multipart_create_stores_the_image_and_reads_back_the_same(
    client: httpx.AsyncClient, world: World, settings: Settings, kind: KindCase
) -> None:
    item = await kind.post(
        client, world.a_headers, [world.condo_a.id, world.condo_a2.id]
    )

    assert item["condominios_ids"] == [world.condo_a.id, world.condo_a2.id]
    assert item["status"] == "ativo"
    assert item["tipo_midia"] == "imagem"
    assert item["data_expiracao"] is None
    assert item["criado_por_id"] == world.manager_a.id
    assert item["erro_midia"] is None
    assert item["archive_url"].startswith("/media/imagem/")
    assert stored_path(settings, item["archive_url"]).is_file()

    response = await client.get(f"{kind.path}/{item['id']}", headers=world.a_headers)
    assert response.status_code == 200
    assert response.json() == item


async def test_ids_may_be_sent_as_one_comma_separated_field(
    client: httpx.AsyncClient, world: World, kind: KindCase
) -> None:
    item = await kind.post(
        client,
        world.admin_headers,
        [],
        condominios_ids=f"{world.condo_b.id}, {world.condo_a.id}",
    )
    assert item["condominios_ids"] == sorted([world.condo_a.id, world.condo_b.id])


async def test_json_update_changes_only_the_fields_sent(
    client: httpx.AsyncClient, world: World, kind: KindCase
) -> None:
    item = await kind.post(client, world.a_headers, [world.condo_a.id])
    expires = future(10)

    response = await client.put(
        f"{kind.path}/{item['id']}",
        json={
            "nome": "Nome novo",
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
    assert changed["nome"] == "Nome novo"
    assert changed["duracao"] == 25
    assert datetime.fromisoformat(changed["data_expiracao"]) == datetime.fromisoformat(
        expires
    )
    own, value = kind.own_field
    assert changed[own] == value
    assert changed["criado_por_id"] == world.manager_a.id
    assert changed["archive_url"] == item["archive_url"]
    assert changed["condominios_ids"] == [world.condo_a.id]
    assert changed["status"] == "ativo"
    updated_at = datetime.fromisoformat(changed["updated_at"])
    assert updated_at > datetime.fromisoformat(item["updated_at"])

    inactive = await client.put(
        f"{kind.path}/{item['id']}", json={"status": "inativo"}, headers=world.a_headers
    )
    assert inactive.json()["status"] == "inativo"
    assert inactive.json()["nome"] == "Nome novo"


async def test_an_empty_multipart_value_clears_the_expiry(
    client: httpx.AsyncClient, world: World, kind: KindCase
) -> None:
    item = await kind.post(
        client, world.admin_headers, [world.condo_a.id], data_expiracao=future()
    )
    assert item["data_expiracao"] is not None

    body, content_type = browser_form({"data_expiracao": ""}, "arquivo")
    response = await client.put(
        f"{kind.path}/{item['id']}",
        content=body,
        headers={**world.admin_headers, "Content-Type": content_type},
    )

    assert response.status_code == 200, response.text
    assert response.json()["data_expiracao"] is None
    assert response.json()["nome"] == item["nome"]
    # An empty file input changes nothing either.
    assert response.json()["archive_url"] == item["archive_url"]


async def test_other_content_types_are_415_and_malformed_json_is_422(
    client: httpx.AsyncClient, world: World, kind: KindCase
) -> None:
    plain = await client.post(
        kind.path,
        content=b"nome=x",
        headers={**world.admin_headers, "Content-Type": "text/plain"},
    )
    assert plain.status_code == 415
    # A form without a file is not multipart: JSON is the way without a file.
    urlencoded = await client.post(
        kind.path, data={"nome": "x"}, headers=world.admin_headers
    )
    assert urlencoded.status_code == 415

    broken = await client.post(
        kind.path,
        content=b'{"nome": ',
        headers={**world.admin_headers, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["loc"] == ["body"]

    not_an_object = await client.post(
        kind.path,
        content=b"[1, 2]",
        headers={**world.admin_headers, "Content-Type": "application/json"},
    )
    assert not_an_object.status_code == 422


async def test_invalid_fields_are_422_naming_the_field(
    client: httpx.AsyncClient, world: World, kind: KindCase
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
        response = await client.post(
            kind.path,
            data={
                "nome": "Válido",
                "condominios_ids": str(world.condo_a.id),
                kind.own_field[0]: kind.own_field[1],
                **fields,
            },
            files=png_file(),
            headers=world.admin_headers,
        )
        assert response.status_code == 422, (fields, response.text)
        assert response.json()["detail"][0]["loc"][:2] == ["body", field], fields


async def test_past_expiry_on_update_is_422(
    client: httpx.AsyncClient, world: World, kind: KindCase
) -> None:
    item = await kind.post(client, world.admin_headers, [world.condo_a.id])
    response = await client.put(
        f"{kind.path}/{item['id']}",
        json={"data_expiracao": "2020-05-01T10:00:00-03:00"},
        headers=world.admin_headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "data_expiracao"]


async def test_a_file_that_is_not_media_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, world: World, settings: Settings, kind: KindCase
) -> None:
    response = await client.post(
        kind.path,
        data={
            "nome": "Texto",
            "condominios_ids": str(world.condo_a.id),
            kind.own_field[0]: kind.own_field[1],
        },
        files={"arquivo": ("a.png", b"isto nao e uma imagem", "image/png")},
        headers=world.admin_headers,
    )
    assert response.status_code == 415
    listing = await client.get(kind.path, headers=world.admin_headers)
    assert listing.json()["total"] == 0


async def test_list_filters_paginate_and_count_in_the_database(
    client: httpx.AsyncClient, world: World, factory: Factory, kind: KindCase
) -> None:
    first = await kind.post(
        client, world.admin_headers, [world.condo_a.id], nome="Padaria 100%"
    )
    second = await kind.post(
        client, world.admin_headers, [world.condo_b.id], nome="Academia"
    )
    third = await kind.post(
        client,
        world.admin_headers,
        [world.condo_a.id, world.condo_b.id],
        nome="Padaria Doce",
        status="inativo",
    )
    expired = await kind.post(
        client, world.admin_headers, [world.condo_a.id], nome="Velho"
    )
    # Past its expiry, before the expiry job ran.
    await set_columns(
        factory,
        kind.model,
        expired["id"],
        expires_at=datetime.now(UTC) - timedelta(hours=1),
    )

    async def ids(**params: Any) -> tuple[list[int], int]:
        response = await client.get(
            kind.path, params=params, headers=world.admin_headers
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
    assert await ids(q="DOCE") == ([third["id"]], 1)
    assert await ids(status="inativo") == ([third["id"]], 1)
    assert await ids(status="ativo") == ([first["id"], second["id"]], 2)
    assert await ids(status="expirado") == ([expired["id"]], 1)
    assert await ids(limit=2, offset=1) == ([second["id"], third["id"]], 4)

    page = await client.get(
        kind.path, params={"limit": 2, "offset": 2}, headers=world.admin_headers
    )
    assert page.json()["limit"] == 2
    assert page.json()["offset"] == 2
    url = f"{kind.path}/{expired['id']}"
    shown = await client.get(url, headers=world.admin_headers)
    assert shown.json()["status"] == "expirado"

    for bad in ({"status": "x"}, {"limit": 201}, {"condominio_id": 0}):
        response = await client.get(kind.path, params=bad, headers=world.admin_headers)
        assert response.status_code == 422, bad

    # Moving the expiry to the future brings it back.
    revived = await client.put(
        url, json={"data_expiracao": future(1)}, headers=world.admin_headers
    )
    assert revived.json()["status"] == "ativo"
    assert await ids(status="ativo") == ([first["id"], second["id"], expired["id"]], 3)


async def test_bad_ids_in_the_path_are_422_and_unknown_ones_404(
    client: httpx.AsyncClient, world: World, kind: KindCase
) -> None:
    for bad in ("0", "-1", str(2**31), str(2**63), "abc"):
        response = await client.get(f"{kind.path}/{bad}", headers=world.admin_headers)
        assert response.status_code == 422, bad
    missing = await client.get(f"{kind.path}/999999", headers=world.admin_headers)
    assert missing.status_code == 404
    assert missing.json()["code"] == f"{kind.code}_not_found"
    assert (
        await client.delete(f"{kind.path}/999999", headers=world.admin_headers)
    ).status_code == 404


async def test_replacing_the_media_removes_the_old_objects(
    client: httpx.AsyncClient, world: World, settings: Settings, kind: KindCase
) -> None:
    item = await kind.post(client, world.a_headers, [world.condo_a.id], color="red")
    old_file = stored_path(settings, item["archive_url"])
    old_thumb = (
        stored_path(settings, item["thumbnail_url"]) if item["thumbnail_url"] else None
    )
    assert old_file.is_file()

    response = await client.put(
        f"{kind.path}/{item['id']}",
        data={"nome": "Com foto nova"},
        files=png_file("blue"),
        headers=world.a_headers,
    )

    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["archive_url"] != item["archive_url"]
    assert changed["nome"] == "Com foto nova"
    assert stored_path(settings, changed["archive_url"]).is_file()
    assert not old_file.exists()
    if old_thumb is not None:
        assert not old_thumb.exists()


async def test_deleting_an_item_removes_its_media(
    client: httpx.AsyncClient, world: World, settings: Settings, kind: KindCase
) -> None:
    item = await kind.post(client, world.a_headers, [world.condo_a.id])
    path = stored_path(settings, item["archive_url"])
    url = f"{kind.path}/{item['id']}"

    response = await client.delete(url, headers=world.a_headers)

    assert response.status_code == 204
    assert not path.exists()
    assert (await client.get(url, headers=world.a_headers)).status_code == 404


async def test_manager_cannot_see_or_touch_another_tenants_items(
    client: httpx.AsyncClient, world: World, kind: KindCase
) -> None:
    item = await kind.post(client, world.a_headers, [world.condo_a.id])
    url = f"{kind.path}/{item['id']}"

    assert (await client.get(url, headers=world.b_headers)).status_code == 404
    put = await client.put(url, json={"nome": "x"}, headers=world.b_headers)
    assert put.status_code == 404
    assert (await client.delete(url, headers=world.b_headers)).status_code == 404
    listing = await client.get(kind.path, headers=world.b_headers)
    assert listing.json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
    # Filtering by a condomínio it can not see is an empty page, not an error.
    filtered = await client.get(
        kind.path,
        params={"condominio_id": world.condo_a.id},
        headers=world.b_headers,
    )
    assert filtered.json()["total"] == 0


async def test_manager_targets_only_its_own_condominiums(
    client: httpx.AsyncClient, world: World, kind: KindCase
) -> None:
    await kind.post(
        client, world.a_headers, [world.condo_a.id, world.condo_b.id], expect=404
    )
    await kind.post(client, world.a_headers, [world.condo_b.id], expect=404)
    await kind.post(client, world.a_headers, [999999], expect=404)
    item = await kind.post(client, world.a_headers, [world.condo_a.id])
    response = await client.put(
        f"{kind.path}/{item['id']}",
        json={"condominios_ids": [world.condo_b.id]},
        headers=world.a_headers,
    )
    assert response.status_code == 404


async def test_manager_changes_only_the_items_it_created(
    client: httpx.AsyncClient, world: World, kind: KindCase
) -> None:
    item = await kind.post(client, world.admin_headers, [world.condo_a.id])
    url = f"{kind.path}/{item['id']}"

    assert (await client.get(url, headers=world.a_headers)).status_code == 200
    put = await client.put(url, json={"nome": "meu"}, headers=world.a_headers)
    assert put.status_code == 403
    assert put.json()["code"] == f"{kind.code}_not_owned"
    assert put.json()["detail"] == f"você só pode alterar os {kind.plural} que criou"
    assert (await client.delete(url, headers=world.a_headers)).status_code == 403


async def test_viewer_reads_its_condominiums_items_and_may_not_write(
    client: httpx.AsyncClient, world: World, kind: KindCase
) -> None:
    mine = await kind.post(client, world.admin_headers, [world.condo_a.id])
    other = await kind.post(client, world.admin_headers, [world.condo_b.id])
    headers = world.viewer_headers
    url = f"{kind.path}/{mine['id']}"

    listing = await client.get(kind.path, headers=headers)
    assert [item["id"] for item in listing.json()["items"]] == [mine["id"]]
    assert (await client.get(url, headers=headers)).status_code == 200
    put = await client.put(url, json={"nome": "x"}, headers=headers)
    assert put.status_code == 403
    assert (await client.delete(url, headers=headers)).status_code == 403
    # Invisible first: 404 before the level's 403.
    hidden = await client.put(
        f"{kind.path}/{other['id']}", json={"nome": "x"}, headers=headers
    )
    assert hidden.status_code == 404
    await kind.post(client, headers, [world.condo_a.id], expect=403)


async def test_target_ids_show_only_what_the_caller_may_see_and_hidden_ones_stay(
    client: httpx.AsyncClient, world: World, factory: Factory, kind: KindCase
) -> None:
    item = await kind.post(
        client, world.admin_headers, [world.condo_a.id, world.condo_b.id]
    )
    # As if A had created it before B's condomínio changed hands.
    await set_columns(factory, kind.model, item["id"], created_by_id=world.manager_a.id)
    url = f"{kind.path}/{item['id']}"

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


async def test_manager_quota_counts_live_items_only(
    client: httpx.AsyncClient, world: World, factory: Factory, kind: KindCase
) -> None:
    manager = await factory.user(Role.MANAGER, **{kind.limit_field: 2})
    headers = await factory.headers(manager)
    await set_columns(factory, Condominium, world.condo_a2.id, manager_id=manager.id)
    first = await kind.post(client, headers, [world.condo_a2.id])
    await kind.post(client, headers, [world.condo_a2.id], status="inativo")

    refused = await kind.post(client, headers, [world.condo_a2.id], expect=403)
    assert refused["detail"] == f"limite de {kind.plural} atingido (2)"
    assert refused["code"] == f"{kind.code}_quota_exceeded"

    # An item past its expiry frees its slot, even before the job marks it.
    await set_columns(
        factory,
        kind.model,
        first["id"],
        expires_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    third = await kind.post(client, headers, [world.condo_a2.id])

    # Bringing the expired one back would exceed the limit again.
    revived = await client.put(
        f"{kind.path}/{first['id']}",
        json={"data_expiracao": None},
        headers=headers,
    )
    assert revived.status_code == 403
    # The Master has no limit.
    for _ in range(3):
        await kind.post(client, world.admin_headers, [world.condo_a2.id])
    assert third["criado_por_id"] == manager.id


async def test_two_simultaneous_creates_for_the_last_slot_give_exactly_one_item(
    client: httpx.AsyncClient, world: World, factory: Factory, kind: KindCase
) -> None:
    manager = await factory.user(Role.MANAGER, **{kind.limit_field: 2})
    headers = await factory.headers(manager)
    await set_columns(factory, Condominium, world.condo_a2.id, manager_id=manager.id)
    await kind.post(client, headers, [world.condo_a2.id])

    async def create(color: str) -> httpx.Response:
        return await client.post(
            kind.path,
            data={
                "nome": f"Corrida {color}",
                "condominios_ids": str(world.condo_a2.id),
                kind.own_field[0]: kind.own_field[1],
            },
            files=png_file(color),
            headers=headers,
        )

    results = await asyncio.gather(create("green"), create("yellow"))

    assert sorted(r.status_code for r in results) == [201, 403]
    refused = next(r for r in results if r.status_code == 403)
    assert refused.json()["detail"] == f"limite de {kind.plural} atingido (2)"
    listing = await client.get(kind.path, headers=headers)
    assert listing.json()["total"] == 2


async def test_tv_playlists_follow_creates_retargets_and_deletes(
    client: httpx.AsyncClient, world: World, factory: Factory, kind: KindCase
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
        return {i["titulo"] for i in items if i["tipo"] == kind.playlist_type}

    # Cached empty playlists first, so a missed invalidation would show.
    assert await titles(tv_a) == set()
    assert await titles(tv_a2) == set()

    item = await kind.post(client, world.a_headers, [world.condo_a.id], nome="Feira")
    assert await titles(tv_a) == {"Feira"}
    url = f"{kind.path}/{item['id']}"

    moved = await client.put(
        url, json={"condominios_ids": [world.condo_a2.id]}, headers=world.a_headers
    )
    assert moved.status_code == 200
    assert await titles(tv_a) == set()
    assert await titles(tv_a2) == {"Feira"}

    paused = await client.put(url, json={"status": "inativo"}, headers=world.a_headers)
    assert paused.status_code == 200
    assert await titles(tv_a2) == set()
    resumed = await client.put(url, json={"status": "ativo"}, headers=world.a_headers)
    assert resumed.status_code == 200
    assert await titles(tv_a2) == {"Feira"}

    await client.delete(url, headers=world.a_headers)
    assert await titles(tv_a2) == set()
