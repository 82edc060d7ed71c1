from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from expotv.ads.models import Ad, ad_condominium
from expotv.content import ContentStatus
from expotv.db import utcnow
from expotv.notices.models import Notice, notice_condominium
from expotv.tvs.models import TV
from expotv.users.models import Role, User
from tests.integration.condominiums import arrange
from tests.support import Factory

Headers = dict[str, str]


async def test_admin_creates_reads_updates_and_deletes_a_condominium(
    client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    created = await client.post(
        "/condominios",
        json={"nome": "  Residencial Aurora ", "endereco": "Rua A, 10"},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["nome"] == "Residencial Aurora"
    assert body["endereco"] == "Rua A, 10"
    assert body["sindico_id"] is None
    assert body["tvs"] == []
    assert set(body) == {
        "id",
        "nome",
        "endereco",
        "sindico_id",
        "tvs",
        "fuso_horario",
        "created_at",
        "updated_at",
    }
    # Without one of its own: the deployment's (EXPOTV_TIMEZONE).
    assert body["fuso_horario"] == "America/Sao_Paulo"
    url = f"/condominios/{body['id']}"

    fetched = await client.get(url, headers=admin_headers)
    assert fetched.status_code == 200
    assert fetched.json() == body

    updated = await client.put(url, json={"nome": "Aurora II"}, headers=admin_headers)
    assert updated.status_code == 200
    assert updated.json()["nome"] == "Aurora II"
    assert updated.json()["endereco"] == "Rua A, 10"

    listed = await client.get("/condominios", headers=admin_headers)
    assert listed.json()["total"] == 1
    assert listed.json()["items"][0]["nome"] == "Aurora II"

    deleted = await client.delete(url, headers=admin_headers)
    assert deleted.status_code == 204
    assert (await client.get(url, headers=admin_headers)).status_code == 404


async def test_condominium_routes_need_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/condominios")
    assert response.status_code == 401


@pytest.mark.parametrize("bad_id", ["0", "-1", str(2**40), "abc"])
async def test_condominium_id_out_of_range_is_422(
    client: httpx.AsyncClient, admin_headers: Headers, bad_id: str
) -> None:
    response = await client.get(f"/condominios/{bad_id}", headers=admin_headers)
    assert response.status_code == 422


async def test_unknown_condominium_is_404(
    client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    for method in ("GET", "PUT", "DELETE"):
        body = {"nome": "X"} if method == "PUT" else None
        response = await client.request(
            method, "/condominios/999999", json=body, headers=admin_headers
        )
        assert response.status_code == 404, method


@pytest.mark.parametrize(
    "body",
    [{}, {"nome": ""}, {"nome": "   "}, {"nome": 5}, {"nome": "x" * 201}],
)
async def test_create_with_invalid_name_is_422(
    client: httpx.AsyncClient, admin_headers: Headers, body: dict[str, object]
) -> None:
    response = await client.post("/condominios", json=body, headers=admin_headers)
    assert response.status_code == 422


async def test_update_with_null_name_is_422(
    client: httpx.AsyncClient, admin_headers: Headers, factory: Factory
) -> None:
    condo = await arrange.condominium(factory)
    response = await client.put(
        f"/condominios/{condo.id}", json={"nome": None}, headers=admin_headers
    )
    assert response.status_code == 422


async def test_admin_assigns_a_sindico_only_to_a_sindico_user(
    client: httpx.AsyncClient, admin_headers: Headers, factory: Factory, admin: User
) -> None:
    manager = await factory.user(Role.MANAGER)
    viewer = await factory.user(Role.VIEWER)
    for bad in (viewer.id, admin.id, 999999):
        response = await client.post(
            "/condominios",
            json={"nome": "Bloco", "sindico_id": bad},
            headers=admin_headers,
        )
        assert response.status_code == 422, bad
        assert response.json()["detail"][0]["loc"] == ["body", "sindico_id"]

    created = await client.post(
        "/condominios",
        json={"nome": "Bloco", "sindico_id": manager.id},
        headers=admin_headers,
    )
    assert created.status_code == 201
    assert created.json()["sindico_id"] == manager.id

    url = f"/condominios/{created.json()['id']}"
    bad_update = await client.put(
        url, json={"sindico_id": viewer.id}, headers=admin_headers
    )
    assert bad_update.status_code == 422
    cleared = await client.put(url, json={"sindico_id": None}, headers=admin_headers)
    assert cleared.status_code == 200
    assert cleared.json()["sindico_id"] is None


async def test_admin_may_assign_a_sindico_beyond_its_limit(
    client: httpx.AsyncClient, admin_headers: Headers, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER, condominium_limit=1)
    await arrange.condominium(factory, manager=manager)
    response = await client.post(
        "/condominios",
        json={"nome": "Segundo", "sindico_id": manager.id},
        headers=admin_headers,
    )
    assert response.status_code == 201


async def test_sindico_creates_condominiums_as_their_sindico_within_the_limit(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER, condominium_limit=2)
    headers = await factory.headers(manager)

    first = await client.post("/condominios", json={"nome": "Um"}, headers=headers)
    assert first.status_code == 201
    assert first.json()["sindico_id"] == manager.id
    second = await client.post(
        "/condominios",
        json={"nome": "Dois", "sindico_id": manager.id},
        headers=headers,
    )
    assert second.status_code == 201

    third = await client.post("/condominios", json={"nome": "Três"}, headers=headers)
    assert third.status_code == 403
    assert third.json()["detail"] == "limite de condomínios atingido (2)"
    listed = await client.get("/condominios", headers=headers)
    assert listed.json()["total"] == 2


async def test_sindico_quota_counts_condominiums_assigned_by_the_admin(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER, condominium_limit=1)
    await arrange.condominium(factory, manager=manager)
    response = await client.post(
        "/condominios", json={"nome": "Outro"}, headers=await factory.headers(manager)
    )
    assert response.status_code == 403
    assert "(1)" in response.json()["detail"]


async def test_sindico_naming_another_sindico_is_422(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER, condominium_limit=5)
    other = await factory.user(Role.MANAGER)
    headers = await factory.headers(manager)
    for value in (other.id, None):
        response = await client.post(
            "/condominios", json={"nome": "X", "sindico_id": value}, headers=headers
        )
        assert response.status_code == 422, value
        assert response.json()["detail"][0]["loc"] == ["body", "sindico_id"]


async def test_sindico_cannot_hand_over_its_condominium(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER)
    other = await factory.user(Role.MANAGER)
    condo = await arrange.condominium(factory, manager=manager)
    headers = await factory.headers(manager)
    url = f"/condominios/{condo.id}"
    for value in (other.id, None):
        response = await client.put(url, json={"sindico_id": value}, headers=headers)
        assert response.status_code == 422, value
    same = await client.put(
        url, json={"sindico_id": manager.id, "endereco": "Rua B"}, headers=headers
    )
    assert same.status_code == 200
    assert same.json()["sindico_id"] == manager.id
    assert same.json()["endereco"] == "Rua B"


async def test_sindico_sees_and_edits_only_its_own_condominiums(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER)
    other = await factory.user(Role.MANAGER)
    own = await arrange.condominium(factory, "Próprio", manager=manager)
    foreign = await arrange.condominium(factory, "Alheio", manager=other)
    await arrange.condominium(factory, "Sem síndico")
    headers = await factory.headers(manager)

    listed = await client.get("/condominios", headers=headers)
    assert listed.json()["total"] == 1
    assert [c["id"] for c in listed.json()["items"]] == [own.id]

    url = f"/condominios/{foreign.id}"
    assert (await client.get(url, headers=headers)).status_code == 404
    put = await client.put(url, json={"nome": "Meu"}, headers=headers)
    assert put.status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404

    edited = await client.put(
        f"/condominios/{own.id}", json={"nome": "Renomeado"}, headers=headers
    )
    assert edited.status_code == 200
    deleted = await client.delete(f"/condominios/{own.id}", headers=headers)
    assert deleted.status_code == 204


async def test_visitante_reads_assigned_condominiums_and_may_not_write(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    viewer = await factory.user(Role.VIEWER)
    assigned = await arrange.condominium(factory, "Atribuído")
    other = await arrange.condominium(factory, "Outro")
    await arrange.assign(factory, viewer, assigned)
    headers = await factory.headers(viewer)

    listed = await client.get("/condominios", headers=headers)
    assert [c["id"] for c in listed.json()["items"]] == [assigned.id]
    assert listed.json()["total"] == 1
    ok = await client.get(f"/condominios/{assigned.id}", headers=headers)
    assert ok.status_code == 200

    url = f"/condominios/{assigned.id}"
    assert (
        await client.put(url, json={"nome": "X"}, headers=headers)
    ).status_code == 403
    assert (await client.delete(url, headers=headers)).status_code == 403
    created = await client.post("/condominios", json={"nome": "X"}, headers=headers)
    assert created.status_code == 403

    hidden = f"/condominios/{other.id}"
    assert (await client.get(hidden, headers=headers)).status_code == 404
    assert (
        await client.put(hidden, json={"nome": "X"}, headers=headers)
    ).status_code == 404
    assert (await client.delete(hidden, headers=headers)).status_code == 404


async def test_list_filters_by_text_and_sindico_and_paginates(
    client: httpx.AsyncClient, admin_headers: Headers, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER)
    aurora = await arrange.condominium(factory, "Residencial Aurora", manager=manager)
    await arrange.condominium(factory, "Edifício Boreal")
    await arrange.condominium(factory, "Aurora 100%")

    by_text = await client.get("/condominios?q=aurora", headers=admin_headers)
    assert by_text.json()["total"] == 2
    literal = await client.get("/condominios", params={"q": "%"}, headers=admin_headers)
    assert [c["nome"] for c in literal.json()["items"]] == ["Aurora 100%"]
    by_manager = await client.get(
        f"/condominios?sindico_id={manager.id}", headers=admin_headers
    )
    assert [c["id"] for c in by_manager.json()["items"]] == [aurora.id]

    page = await client.get("/condominios?limit=1&offset=1", headers=admin_headers)
    assert page.json()["total"] == 3
    assert page.json()["limit"] == 1
    assert page.json()["offset"] == 1
    assert len(page.json()["items"]) == 1
    too_many = await client.get("/condominios?limit=201", headers=admin_headers)
    assert too_many.status_code == 422


async def test_condominium_lists_its_tvs_with_status_computed_from_last_ping(
    client: httpx.AsyncClient, admin_headers: Headers, factory: Factory
) -> None:
    condo = await arrange.condominium(factory)
    now = utcnow()
    online = await arrange.tv(factory, condo, name="Hall", last_seen_at=now)
    stale = await arrange.tv(
        factory, condo, name="Garagem", last_seen_at=now - timedelta(hours=1)
    )
    never = await arrange.tv(factory, condo, name="Salão")

    body = (await client.get(f"/condominios/{condo.id}", headers=admin_headers)).json()
    assert body["tvs"] == [
        {"id": online.id, "codigo": online.code, "nome": "Hall", "status": "online"},
        {"id": stale.id, "codigo": stale.code, "nome": "Garagem", "status": "offline"},
        {"id": never.id, "codigo": never.code, "nome": "Salão", "status": "offline"},
    ]


async def test_deleting_a_condominium_with_tvs_needs_force(
    client: httpx.AsyncClient, admin_headers: Headers, factory: Factory
) -> None:
    condo = await arrange.condominium(factory)
    tv = await arrange.tv(factory, condo)
    item = await arrange.ad(factory, condo)
    response = await client.delete(f"/condominios/{condo.id}", headers=admin_headers)
    assert response.status_code == 409
    still = await client.get(f"/condominios/{condo.id}", headers=admin_headers)
    assert still.status_code == 200
    assert [t["id"] for t in still.json()["tvs"]] == [tv.id]
    # The refused delete left the anúncio as it was.
    async with factory.sessionmaker() as session:
        kept = await session.get(Ad, item.id)
        assert kept is not None
        assert kept.status is ContentStatus.ACTIVE
        targets = (await session.execute(select(ad_condominium))).all()
        assert [tuple(row) for row in targets] == [(item.id, condo.id)]


async def test_sindico_may_not_force_a_delete(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER)
    condo = await arrange.condominium(factory, manager=manager)
    await arrange.tv(factory, condo)
    response = await client.delete(
        f"/condominios/{condo.id}?force=true", headers=await factory.headers(manager)
    )
    assert response.status_code == 403


async def test_forced_delete_removes_tvs_and_untargets_items(
    client: httpx.AsyncClient, admin_headers: Headers, factory: Factory
) -> None:
    doomed = await arrange.condominium(factory, "Demolido")
    kept = await arrange.condominium(factory, "Mantido")
    doomed_tv = await arrange.tv(factory, doomed)
    kept_tv = await arrange.tv(factory, kept)
    only_doomed = await arrange.ad(factory, doomed)
    both = await arrange.ad(factory, doomed, kept)
    expired = await arrange.ad(factory, doomed, status=ContentStatus.EXPIRED)
    processing = await arrange.ad(factory, doomed, status=ContentStatus.PROCESSING)
    untouched = await arrange.ad(factory, kept)
    notice_only = await arrange.notice(factory, doomed)
    notice_both = await arrange.notice(factory, doomed, kept)

    response = await client.delete(
        f"/condominios/{doomed.id}?force=true", headers=admin_headers
    )
    assert response.status_code == 204

    async with factory.sessionmaker() as session:
        tv_ids = set(await session.scalars(select(TV.id)))
        assert tv_ids == {kept_tv.id}
        assert doomed_tv.id not in tv_ids
        ads = {a.id: a for a in await session.scalars(select(Ad))}
        assert ads[only_doomed.id].status is ContentStatus.INACTIVE
        assert ads[both.id].status is ContentStatus.ACTIVE
        assert ads[expired.id].status is ContentStatus.EXPIRED
        assert ads[processing.id].status is ContentStatus.PROCESSING
        assert ads[processing.id].requested_status is ContentStatus.INACTIVE
        assert ads[untouched.id].status is ContentStatus.ACTIVE
        ad_targets = set((await session.execute(select(ad_condominium))).all())
        assert ad_targets == {(both.id, kept.id), (untouched.id, kept.id)}
        notices = {n.id: n for n in await session.scalars(select(Notice))}
        assert notices[notice_only.id].status is ContentStatus.INACTIVE
        assert notices[notice_both.id].status is ContentStatus.ACTIVE
        notice_targets = set((await session.execute(select(notice_condominium))).all())
        assert notice_targets == {(notice_both.id, kept.id)}

    gone = await client.get(f"/condominios/{doomed.id}", headers=admin_headers)
    assert gone.status_code == 404


@pytest.mark.parametrize(("limit", "existing"), [(1, 0), (2, 1)])
async def test_concurrent_creates_cannot_both_take_the_last_slot(
    client: httpx.AsyncClient, factory: Factory, limit: int, existing: int
) -> None:
    manager = await factory.user(Role.MANAGER, condominium_limit=limit)
    for _ in range(existing):
        await arrange.condominium(factory, manager=manager)
    headers = await factory.headers(manager)

    responses = await asyncio.gather(
        *(
            client.post("/condominios", json={"nome": f"C{n}"}, headers=headers)
            for n in range(4)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 403, 403, 403]
    listed = await client.get("/condominios", headers=headers)
    assert listed.json()["total"] == limit
