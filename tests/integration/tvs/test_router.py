from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from expotv.db import utcnow
from expotv.tvs.codes import ALPHABET, CODE_LENGTH
from expotv.users.models import Role
from tests.integration.condominiums import arrange
from tests.support import Factory

Headers = dict[str, str]


async def test_admin_creates_a_tv_with_a_generated_code_and_defaults(
    client: httpx.AsyncClient, admin_headers: Headers, factory: Factory
) -> None:
    condo = await arrange.condominium(factory)
    created = await client.post(
        "/tvs",
        json={"nome": "TV Hall", "condominio_id": condo.id},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == {
        "id",
        "codigo",
        "nome",
        "condominio_id",
        "status",
        "ultimo_ping",
        "proporcao_anuncios",
        "proporcao_avisos",
        "proporcao_noticias",
        "created_at",
        "updated_at",
    }
    assert len(body["codigo"]) == CODE_LENGTH
    assert set(body["codigo"]) <= set(ALPHABET)
    assert body["status"] == "offline"
    assert body["ultimo_ping"] is None
    assert body["condominio_id"] == condo.id
    assert (
        body["proporcao_anuncios"],
        body["proporcao_avisos"],
        body["proporcao_noticias"],
    ) == (5, 1, 3)

    fetched = await client.get(f"/tvs/{body['id']}", headers=admin_headers)
    assert fetched.json() == body
    in_condo = await client.get(f"/condominios/{condo.id}", headers=admin_headers)
    assert in_condo.json()["tvs"] == [
        {
            "id": body["id"],
            "codigo": body["codigo"],
            "nome": "TV Hall",
            "status": "offline",
        }
    ]


async def test_codes_of_new_tvs_differ(
    client: httpx.AsyncClient, admin_headers: Headers, factory: Factory
) -> None:
    condo = await arrange.condominium(factory)
    codes = set()
    for n in range(5):
        response = await client.post(
            "/tvs",
            json={"nome": f"TV {n}", "condominio_id": condo.id},
            headers=admin_headers,
        )
        codes.add(response.json()["codigo"])
    assert len(codes) == 5


async def test_admin_updates_and_deletes_a_tv(
    client: httpx.AsyncClient, admin_headers: Headers, factory: Factory
) -> None:
    condo = await arrange.condominium(factory)
    other = await arrange.condominium(factory, "Outro")
    tv = await arrange.tv(factory, condo)
    url = f"/tvs/{tv.id}"

    updated = await client.put(
        url,
        json={"nome": "TV Elevador", "condominio_id": other.id, "proporcao_avisos": 4},
        headers=admin_headers,
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["nome"] == "TV Elevador"
    assert body["condominio_id"] == other.id
    assert body["proporcao_avisos"] == 4
    assert body["proporcao_anuncios"] == 5
    assert body["codigo"] == tv.code

    assert (await client.delete(url, headers=admin_headers)).status_code == 204
    assert (await client.get(url, headers=admin_headers)).status_code == 404
    assert (await client.delete(url, headers=admin_headers)).status_code == 404


async def test_create_in_unknown_condominium_is_404(
    client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    response = await client.post(
        "/tvs", json={"nome": "TV", "condominio_id": 999999}, headers=admin_headers
    )
    assert response.status_code == 404


async def test_unknown_tv_is_404_everywhere(
    client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    for method, path, body in (
        ("GET", "/tvs/999999", None),
        ("PUT", "/tvs/999999", {"nome": "X"}),
        ("DELETE", "/tvs/999999", None),
        ("GET", "/tvs/999999/status", None),
        ("PUT", "/tvs/999999/proporcao", {"proporcao_anuncios": 1}),
    ):
        response = await client.request(method, path, json=body, headers=admin_headers)
        assert response.status_code == 404, (method, path)


@pytest.mark.parametrize("bad_id", ["0", "-5", str(2**63), "x"])
async def test_tv_id_out_of_range_is_422(
    client: httpx.AsyncClient, admin_headers: Headers, bad_id: str
) -> None:
    response = await client.get(f"/tvs/{bad_id}", headers=admin_headers)
    assert response.status_code == 422


@pytest.mark.parametrize(
    "ratios",
    [
        {"proporcao_anuncios": 101},
        {"proporcao_avisos": -1},
        {"proporcao_noticias": "3"},
        {"proporcao_noticias": "muitas"},
        {"proporcao_anuncios": 2.5},
        {"proporcao_anuncios": True},
        {"proporcao_anuncios": None},
        {"proporcao_anuncios": 0, "proporcao_avisos": 0, "proporcao_noticias": 0},
    ],
)
async def test_invalid_proportions_are_422_wherever_sent(
    client: httpx.AsyncClient,
    admin_headers: Headers,
    factory: Factory,
    ratios: dict[str, object],
) -> None:
    condo = await arrange.condominium(factory)
    tv = await arrange.tv(factory, condo)

    created = await client.post(
        "/tvs",
        json={"nome": "TV", "condominio_id": condo.id, **ratios},
        headers=admin_headers,
    )
    assert created.status_code == 422
    for path in (f"/tvs/{tv.id}", f"/tvs/{tv.id}/proporcao"):
        response = await client.put(path, json=ratios, headers=admin_headers)
        assert response.status_code == 422, path
        assert response.json()["detail"][0]["loc"][0] == "body"
        assert response.json()["detail"][0]["loc"][1].startswith("proporcao_")
    unchanged = await client.get(f"/tvs/{tv.id}", headers=admin_headers)
    assert unchanged.json()["proporcao_anuncios"] == 5


async def test_a_partial_proportion_change_is_checked_against_the_resulting_triple(
    client: httpx.AsyncClient, admin_headers: Headers, factory: Factory
) -> None:
    condo = await arrange.condominium(factory)
    tv = await arrange.tv(factory, condo)
    url = f"/tvs/{tv.id}/proporcao"

    two_zero = await client.put(
        url,
        json={"proporcao_anuncios": 0, "proporcao_avisos": 0},
        headers=admin_headers,
    )
    assert two_zero.status_code == 200
    assert two_zero.json()["proporcao_noticias"] == 3
    last_zero = await client.put(
        f"/tvs/{tv.id}", json={"proporcao_noticias": 0}, headers=admin_headers
    )
    assert last_zero.status_code == 422
    assert "soma" in last_zero.json()["detail"][0]["msg"]


async def test_proportions_at_the_bounds_are_accepted(
    client: httpx.AsyncClient, admin_headers: Headers, factory: Factory
) -> None:
    condo = await arrange.condominium(factory)
    created = await client.post(
        "/tvs",
        json={
            "nome": "TV",
            "condominio_id": condo.id,
            "proporcao_anuncios": 100,
            "proporcao_avisos": 0,
            "proporcao_noticias": 0,
        },
        headers=admin_headers,
    )
    assert created.status_code == 201
    response = await client.put(
        f"/tvs/{created.json()['id']}/proporcao",
        json={
            "proporcao_anuncios": 0,
            "proporcao_avisos": 1,
            "proporcao_noticias": 100,
        },
        headers=admin_headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert (
        body["proporcao_anuncios"],
        body["proporcao_avisos"],
        body["proporcao_noticias"],
    ) == (0, 1, 100)


@pytest.mark.parametrize(
    "body",
    [
        {"condominio_id": 1},
        {"nome": "", "condominio_id": 1},
        {"nome": "TV"},
        {"nome": "TV", "condominio_id": "um"},
        {"nome": "TV", "condominio_id": 2**40},
    ],
)
async def test_create_with_invalid_fields_is_422(
    client: httpx.AsyncClient, admin_headers: Headers, body: dict[str, object]
) -> None:
    response = await client.post("/tvs", json=body, headers=admin_headers)
    assert response.status_code == 422


async def test_status_is_computed_from_the_last_ping(
    client: httpx.AsyncClient, admin_headers: Headers, factory: Factory
) -> None:
    condo = await arrange.condominium(factory)
    now = utcnow()
    fresh = await arrange.tv(factory, condo, last_seen_at=now - timedelta(seconds=30))
    stale = await arrange.tv(factory, condo, last_seen_at=now - timedelta(minutes=10))
    never = await arrange.tv(factory, condo)

    body = (await client.get(f"/tvs/{fresh.id}/status", headers=admin_headers)).json()
    assert set(body) == {
        "id",
        "codigo",
        "status",
        "ultimo_ping",
        "segundos_desde_ultimo_ping",
    }
    assert body["status"] == "online"
    assert body["codigo"] == fresh.code
    assert isinstance(body["segundos_desde_ultimo_ping"], int)
    assert 30 <= body["segundos_desde_ultimo_ping"] < 120
    assert body["ultimo_ping"] is not None

    stale_body = (
        await client.get(f"/tvs/{stale.id}/status", headers=admin_headers)
    ).json()
    assert stale_body["status"] == "offline"
    assert stale_body["segundos_desde_ultimo_ping"] >= 600

    never_body = (
        await client.get(f"/tvs/{never.id}/status", headers=admin_headers)
    ).json()
    assert never_body["status"] == "offline"
    assert never_body["ultimo_ping"] is None
    assert never_body["segundos_desde_ultimo_ping"] is None

    tv_body = (await client.get(f"/tvs/{fresh.id}", headers=admin_headers)).json()
    assert tv_body["status"] == "online"


async def test_list_filters_by_status_condominium_and_text(
    client: httpx.AsyncClient, admin_headers: Headers, factory: Factory
) -> None:
    first = await arrange.condominium(factory, "Primeiro")
    second = await arrange.condominium(factory, "Segundo")
    now = utcnow()
    online = await arrange.tv(factory, first, name="Hall", last_seen_at=now)
    stale = await arrange.tv(
        factory, first, name="Garagem", last_seen_at=now - timedelta(hours=2)
    )
    never = await arrange.tv(factory, second, name="Hall Social", code="ZZZZZ9")

    async def ids(query: str) -> list[int]:
        response = await client.get(f"/tvs{query}", headers=admin_headers)
        assert response.status_code == 200, response.text
        return [tv["id"] for tv in response.json()["items"]]

    assert await ids("") == [online.id, stale.id, never.id]
    assert await ids("?status=online") == [online.id]
    assert await ids("?status=offline") == [stale.id, never.id]
    assert await ids(f"?condominio_id={first.id}") == [online.id, stale.id]
    assert await ids(f"?condominio_id={second.id}&status=offline") == [never.id]
    assert await ids("?q=hall") == [online.id, never.id]
    assert await ids("?q=zzzzz9") == [never.id]
    bad = await client.get("/tvs?status=ligada", headers=admin_headers)
    assert bad.status_code == 422


async def test_sindico_manages_only_tvs_of_its_own_condominiums(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER)
    other = await factory.user(Role.MANAGER)
    own = await arrange.condominium(factory, "A", manager=manager)
    own_too = await arrange.condominium(factory, "A2", manager=manager)
    foreign = await arrange.condominium(factory, "B", manager=other)
    own_tv = await arrange.tv(factory, own)
    foreign_tv = await arrange.tv(factory, foreign)
    headers = await factory.headers(manager)

    listed = await client.get("/tvs", headers=headers)
    assert [tv["id"] for tv in listed.json()["items"]] == [own_tv.id]
    assert listed.json()["total"] == 1
    filtered = await client.get(f"/tvs?condominio_id={foreign.id}", headers=headers)
    assert filtered.json() == {"items": [], "total": 0, "limit": 50, "offset": 0}

    base = f"/tvs/{foreign_tv.id}"
    for method, path, body in (
        ("GET", base, None),
        ("GET", f"{base}/status", None),
        ("PUT", base, {"nome": "Minha"}),
        ("PUT", f"{base}/proporcao", {"proporcao_anuncios": 1}),
        ("DELETE", base, None),
    ):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 404, (method, path)

    create_foreign = await client.post(
        "/tvs", json={"nome": "TV", "condominio_id": foreign.id}, headers=headers
    )
    assert create_foreign.status_code == 404
    move_away = await client.put(
        f"/tvs/{own_tv.id}", json={"condominio_id": foreign.id}, headers=headers
    )
    assert move_away.status_code == 404

    created = await client.post(
        "/tvs", json={"nome": "TV", "condominio_id": own.id}, headers=headers
    )
    assert created.status_code == 201
    moved = await client.put(
        f"/tvs/{own_tv.id}", json={"condominio_id": own_too.id}, headers=headers
    )
    assert moved.status_code == 200
    assert moved.json()["condominio_id"] == own_too.id
    ratios = await client.put(
        f"/tvs/{own_tv.id}/proporcao", json={"proporcao_avisos": 2}, headers=headers
    )
    assert ratios.status_code == 200
    deleted = await client.delete(f"/tvs/{own_tv.id}", headers=headers)
    assert deleted.status_code == 204


async def test_visitante_reads_tvs_of_assigned_condominiums_only(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    viewer = await factory.user(Role.VIEWER)
    assigned = await arrange.condominium(factory, "A")
    hidden = await arrange.condominium(factory, "B")
    await arrange.assign(factory, viewer, assigned)
    visible_tv = await arrange.tv(factory, assigned)
    hidden_tv = await arrange.tv(factory, hidden)
    headers = await factory.headers(viewer)

    listed = await client.get("/tvs", headers=headers)
    assert [tv["id"] for tv in listed.json()["items"]] == [visible_tv.id]
    assert (
        await client.get(f"/tvs/{visible_tv.id}", headers=headers)
    ).status_code == 200
    status = await client.get(f"/tvs/{visible_tv.id}/status", headers=headers)
    assert status.status_code == 200

    for method, path, body in (
        ("PUT", f"/tvs/{visible_tv.id}", {"nome": "X"}),
        ("PUT", f"/tvs/{visible_tv.id}/proporcao", {"proporcao_avisos": 2}),
        ("DELETE", f"/tvs/{visible_tv.id}", None),
        ("POST", "/tvs", {"nome": "X", "condominio_id": assigned.id}),
    ):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (method, path)

    for method, path, body in (
        ("GET", f"/tvs/{hidden_tv.id}", None),
        ("PUT", f"/tvs/{hidden_tv.id}", {"nome": "X"}),
        ("DELETE", f"/tvs/{hidden_tv.id}", None),
        ("POST", "/tvs", {"nome": "X", "condominio_id": hidden.id}),
    ):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 404, (method, path)
