"""Scheduling fields of anúncios and avisos, alike: data_inicio, horarios, tvs_ids.

Each test runs for both kinds (``kind``). Emergencies are avisos' own
(``notices/test_emergency.py``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from expotv.tvs.codes import generate_code
from expotv.tvs.models import TV
from tests.integration.items.helpers import KindCase, World, png_file, set_columns
from tests.support import Factory

DINNER = [{"dias": [1, 2, 3, 4, 5], "inicio": "19:00", "fim": "23:00"}]


def later(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


async def make_tv(factory: Factory, condominium_id: int, name: str = "TV") -> TV:
    tv: TV = await factory.add(
        TV(code=generate_code(), name=name, condominium_id=condominium_id)
    )
    return tv


async def put(
    client: httpx.AsyncClient,
    kind: KindCase,
    item_id: int,
    headers: dict[str, str],
    body: dict[str, Any],
) -> httpx.Response:
    return await client.put(f"{kind.path}/{item_id}", json=body, headers=headers)


def form(**fields: str) -> dict[str, tuple[None, str]]:
    """Text fields sent as multipart/form-data (with no file)."""
    return {name: (None, value) for name, value in fields.items()}


def error_field(response: httpx.Response) -> list[Any]:
    detail = response.json()["detail"]
    assert isinstance(detail, list), detail
    return [entry["loc"][-1] for entry in detail]


async def test_an_item_before_its_start_is_scheduled_and_lists_say_so(
    client: httpx.AsyncClient, world: World, kind: KindCase
) -> None:
    start = later(2).replace(microsecond=0)
    item = await kind.post(
        client, world.a_headers, [world.condo_a.id], data_inicio=start.isoformat()
    )
    now_playing = await kind.post(client, world.a_headers, [world.condo_a.id])

    assert item["status"] == "agendado"
    assert datetime.fromisoformat(item["data_inicio"]) == start
    assert now_playing["status"] == "ativo"
    assert now_playing["data_inicio"] is None

    async def listed(status: str) -> list[int]:
        response = await client.get(
            kind.path, params={"status": status}, headers=world.a_headers
        )
        assert response.status_code == 200, response.text
        return [entry["id"] for entry in response.json()["items"]]

    assert await listed("agendado") == [item["id"]]
    assert await listed("ativo") == [now_playing["id"]]

    # Asked "inativo", it says so, started or not.
    off = await put(client, kind, item["id"], world.a_headers, {"status": "inativo"})
    assert off.json()["status"] == "inativo"
    # Moved to the past, it plays.
    started = await put(
        client,
        kind,
        item["id"],
        world.a_headers,
        {"status": "ativo", "data_inicio": later(-1).isoformat()},
    )
    assert started.json()["status"] == "ativo"


async def test_timestamps_without_an_offset_are_read_in_expotv_timezone(
    client: httpx.AsyncClient, world: World, kind: KindCase
) -> None:
    # The example: 2027-01-01T10:00 in São Paulo is 13:00 UTC.
    item = await kind.post(
        client,
        world.a_headers,
        [world.condo_a.id],
        data_inicio="2026-12-31T08:00",
        data_expiracao="2030-01-01T10:00",
    )
    assert datetime.fromisoformat(item["data_expiracao"]) == datetime(
        2030, 1, 1, 13, tzinfo=UTC
    )
    assert datetime.fromisoformat(item["data_inicio"]) == datetime(
        2026, 12, 31, 11, tzinfo=UTC
    )
    # An explicit offset is kept as sent.
    changed = await put(
        client,
        kind,
        item["id"],
        world.a_headers,
        {"data_expiracao": "2030-01-01T10:00:00+00:00"},
    )
    assert datetime.fromisoformat(changed.json()["data_expiracao"]) == datetime(
        2030, 1, 1, 10, tzinfo=UTC
    )


async def test_an_expiry_not_after_the_start_is_422(
    client: httpx.AsyncClient, world: World, kind: KindCase
) -> None:
    start = later(5)
    refused = await client.post(
        kind.path,
        data={
            "nome": "Promoção",
            "condominios_ids": str(world.condo_a.id),
            kind.own_field[0]: kind.own_field[1],
            "data_inicio": start.isoformat(),
            "data_expiracao": start.isoformat(),
        },
        files=png_file(),
        headers=world.a_headers,
    )
    assert refused.status_code == 422, refused.text
    assert error_field(refused) == ["data_expiracao"]

    item = await kind.post(
        client,
        world.a_headers,
        [world.condo_a.id],
        data_inicio=start.isoformat(),
        data_expiracao=later(10).isoformat(),
    )
    # Checked against what the item ends with: only the start is sent here.
    moved = await put(
        client,
        kind,
        item["id"],
        world.a_headers,
        {"data_inicio": later(11).isoformat()},
    )
    assert moved.status_code == 422
    assert error_field(moved) == ["data_expiracao"]
    cleared = await put(
        client,
        kind,
        item["id"],
        world.a_headers,
        {"data_inicio": later(11).isoformat(), "data_expiracao": None},
    )
    assert cleared.status_code == 200, cleared.text


async def test_weekly_windows_in_json_and_in_a_form(
    client: httpx.AsyncClient, world: World, kind: KindCase
) -> None:
    item = await kind.post(
        client,
        world.a_headers,
        [world.condo_a.id],
        horarios=json.dumps(
            [
                {"dias": [5, 1, 1], "inicio": "22:00", "fim": "02:00"},
                *DINNER,
                *DINNER,
            ]
        ),
    )
    assert item["horarios"] == [
        {"dias": [1, 5], "inicio": "22:00", "fim": "02:00"},
        *DINNER,
    ]
    changed = await put(
        client, kind, item["id"], world.a_headers, {"horarios": DINNER[:1]}
    )
    assert changed.json()["horarios"] == DINNER
    cleared = await put(client, kind, item["id"], world.a_headers, {"horarios": None})
    assert cleared.json()["horarios"] == []
    # An empty form value clears too.
    again = await client.put(
        f"{kind.path}/{item['id']}",
        files=form(horarios=json.dumps(DINNER)),
        headers=world.a_headers,
    )
    assert again.json()["horarios"] == DINNER
    emptied = await client.put(
        f"{kind.path}/{item['id']}", files=form(horarios=""), headers=world.a_headers
    )
    assert emptied.json()["horarios"] == []


async def test_invalid_windows_are_422_naming_the_field(
    client: httpx.AsyncClient, world: World, kind: KindCase
) -> None:
    item = await kind.post(client, world.a_headers, [world.condo_a.id])
    bad: list[Any] = [
        [{"dias": [1], "inicio": "19:00", "fim": "19:00"}],
        [{"dias": [0], "inicio": "19:00", "fim": "20:00"}],
        [{"dias": [8], "inicio": "19:00", "fim": "20:00"}],
        [{"dias": [], "inicio": "19:00", "fim": "20:00"}],
        [{"dias": [1], "inicio": "24:00", "fim": "20:00"}],
        [{"dias": [1], "inicio": "7:00", "fim": "20:00"}],
        [{"dias": [1], "inicio": "19:00"}],
        {"dias": [1], "inicio": "19:00", "fim": "20:00"},
        [DINNER[0]] * 51,
    ]
    for value in bad:
        response = await put(
            client, kind, item["id"], world.a_headers, {"horarios": value}
        )
        assert response.status_code == 422, (value, response.text)
        assert "horarios" in response.json()["detail"][0]["loc"], value
    not_json = await client.put(
        f"{kind.path}/{item['id']}",
        files=form(horarios="[{dias: 1}"),
        headers=world.a_headers,
    )
    assert not_json.status_code == 422
    assert not_json.json()["detail"][0]["loc"] == ["body", "horarios"]


async def test_tvs_must_be_visible_and_in_the_items_condominiums(
    client: httpx.AsyncClient, world: World, factory: Factory, kind: KindCase
) -> None:
    elevator = await make_tv(factory, world.condo_a.id, "Elevador")
    lobby_a2 = await make_tv(factory, world.condo_a2.id, "Hall A2")
    lobby_b = await make_tv(factory, world.condo_b.id, "Hall B")

    item = await kind.post(
        client,
        world.a_headers,
        [world.condo_a.id],
        tvs_ids=f"{elevator.id}",
    )
    assert item["tvs_ids"] == [elevator.id]

    # Visible, but in none of the item's condomínios.
    outside = await put(
        client, kind, item["id"], world.a_headers, {"tvs_ids": [lobby_a2.id]}
    )
    assert outside.status_code == 422, outside.text
    assert outside.json()["detail"][0]["loc"][-1] == "tvs_ids"
    # Another tenant's TV, and one that does not exist: the same 404.
    for tv_id in (lobby_b.id, 2**31 - 1):
        hidden = await put(
            client, kind, item["id"], world.a_headers, {"tvs_ids": [tv_id]}
        )
        assert hidden.status_code == 404, hidden.text
        assert hidden.json()["code"] == "tv_not_found"
    # Dropping the condomínio of a TV it keeps is 422 too; both together are fine.
    dropped = await put(
        client,
        kind,
        item["id"],
        world.a_headers,
        {"condominios_ids": [world.condo_a2.id]},
    )
    assert dropped.status_code == 422
    moved = await put(
        client,
        kind,
        item["id"],
        world.a_headers,
        {"condominios_ids": [world.condo_a2.id], "tvs_ids": [lobby_a2.id]},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["tvs_ids"] == [lobby_a2.id]
    everywhere = await put(client, kind, item["id"], world.a_headers, {"tvs_ids": []})
    assert everywhere.json()["tvs_ids"] == []


async def test_tv_ids_show_only_what_the_caller_may_see_and_hidden_ones_stay(
    client: httpx.AsyncClient, world: World, factory: Factory, kind: KindCase
) -> None:
    tv_a = await make_tv(factory, world.condo_a.id)
    tv_a_too = await make_tv(factory, world.condo_a.id)
    tv_b = await make_tv(factory, world.condo_b.id)
    item = await kind.post(
        client,
        world.a_headers,
        [world.condo_a.id],
        tvs_ids=str(tv_a.id),
    )
    # The Master adds B and B's TV to síndico A's item.
    extended = await put(
        client,
        kind,
        item["id"],
        world.admin_headers,
        {
            "condominios_ids": [world.condo_a.id, world.condo_b.id],
            "tvs_ids": [tv_a.id, tv_b.id],
        },
    )
    assert extended.json()["tvs_ids"] == [tv_a.id, tv_b.id]

    seen = await client.get(f"{kind.path}/{item['id']}", headers=world.a_headers)
    assert seen.json()["tvs_ids"] == [tv_a.id]
    replaced = await put(
        client, kind, item["id"], world.a_headers, {"tvs_ids": [tv_a_too.id]}
    )
    assert replaced.json()["tvs_ids"] == [tv_a_too.id]
    master_view = await client.get(
        f"{kind.path}/{item['id']}", headers=world.admin_headers
    )
    assert master_view.json()["tvs_ids"] == [tv_a_too.id, tv_b.id]


async def test_an_item_whose_last_tv_goes_is_switched_off_not_spread(
    client: httpx.AsyncClient, world: World, factory: Factory, kind: KindCase
) -> None:
    elevator = await make_tv(factory, world.condo_a.id, "Elevador")
    hall = await make_tv(factory, world.condo_a.id, "Hall")
    await make_tv(factory, world.condo_a2.id, "Hall A2")
    only_elevator = await kind.post(
        client, world.a_headers, [world.condo_a.id], tvs_ids=str(elevator.id)
    )
    both = await kind.post(
        client, world.a_headers, [world.condo_a.id], tvs_ids=f"{elevator.id},{hall.id}"
    )

    deleted = await client.delete(f"/tvs/{elevator.id}", headers=world.a_headers)
    assert deleted.status_code == 204

    async def read(item: dict[str, Any]) -> dict[str, Any]:
        response = await client.get(
            f"{kind.path}/{item['id']}", headers=world.a_headers
        )
        body: dict[str, Any] = response.json()
        return body

    gone = await read(only_elevator)
    assert gone["tvs_ids"] == []
    assert gone["status"] == "inativo"
    kept = await read(both)
    assert kept["tvs_ids"] == [hall.id]
    assert kept["status"] == "ativo"

    # A TV moving to a condomínio the item does not target leaves it too.
    moved = await client.put(
        f"/tvs/{hall.id}",
        json={"condominio_id": world.condo_a2.id},
        headers=world.a_headers,
    )
    assert moved.status_code == 200, moved.text
    after_move = await read(both)
    assert after_move["tvs_ids"] == []
    assert after_move["status"] == "inativo"


async def test_a_tv_moving_within_the_items_condominiums_stays_targeted(
    client: httpx.AsyncClient, world: World, factory: Factory, kind: KindCase
) -> None:
    hall = await make_tv(factory, world.condo_a.id, "Hall")
    item = await kind.post(
        client,
        world.a_headers,
        [world.condo_a.id, world.condo_a2.id],
        tvs_ids=str(hall.id),
    )
    moved = await client.put(
        f"/tvs/{hall.id}",
        json={"condominio_id": world.condo_a2.id},
        headers=world.a_headers,
    )
    assert moved.status_code == 200
    read = await client.get(f"{kind.path}/{item['id']}", headers=world.a_headers)
    assert read.json()["tvs_ids"] == [hall.id]
    assert read.json()["status"] == "ativo"


async def test_existing_items_have_no_schedule(
    client: httpx.AsyncClient, world: World, factory: Factory, kind: KindCase
) -> None:
    item = await kind.post(client, world.admin_headers, [world.condo_a.id])
    await set_columns(factory, kind.model, item["id"], starts_at=None, windows=None)
    read = await client.get(f"{kind.path}/{item['id']}", headers=world.admin_headers)
    body = read.json()
    assert body["horarios"] == []
    assert body["tvs_ids"] == []
    assert body["data_inicio"] is None
    assert body["status"] == "ativo"
