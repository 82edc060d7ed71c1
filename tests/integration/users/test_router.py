from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from expotv.condominiums.models import Condominium
from expotv.users.models import Role, User
from tests import support
from tests.integration.auth.helpers import bearer, login, tokens_for


def new_user(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "nome": "Fulano",
        "email": "fulano@example.com",
        "senha": "senha-forte-1",
    }
    body.update(fields)
    return body


async def condominium(
    factory: support.Factory, manager: User | None = None
) -> Condominium:
    result: Condominium = await factory.add(
        Condominium(name="Residencial", manager_id=manager.id if manager else None)
    )
    return result


# --- who may ----------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MANAGER, Role.VIEWER])
async def test_only_a_master_manages_users(
    client: httpx.AsyncClient, factory: support.Factory, role: Role
) -> None:
    caller = await factory.user(role)
    other = await factory.user(Role.VIEWER)
    headers = await factory.headers(caller)
    requests = [
        client.get("/usuarios", headers=headers),
        client.post("/usuarios", headers=headers, json=new_user()),
        client.get(f"/usuarios/{other.id}", headers=headers),
        client.get("/usuarios/999999", headers=headers),
        client.put(f"/usuarios/{other.id}", headers=headers, json={"nome": "X"}),
        client.delete(f"/usuarios/{other.id}", headers=headers),
        # Themselves too: nobody but a Master raises its own level.
        client.put(f"/usuarios/{caller.id}", headers=headers, json={"nivel": "Master"}),
    ]
    for request in requests:
        response = await request
        assert response.status_code == 403, response.text


async def test_users_need_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/usuarios")
    assert response.status_code == 401


# --- create -----------------------------------------------------------------


async def test_master_creates_a_visitante_with_condominios(
    client: httpx.AsyncClient, factory: support.Factory, admin_headers: dict[str, str]
) -> None:
    first = await condominium(factory)
    second = await condominium(factory)
    response = await client.post(
        "/usuarios",
        headers=admin_headers,
        json=new_user(
            email="Morador@Example.com",
            nivel="Visitante",
            condominios_ids=[second.id, first.id, first.id],
            limite_anuncios=0,
        ),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == "morador@example.com"
    assert body["nivel"] == "Visitante"
    assert body["condominios_ids"] == sorted([first.id, second.id])
    assert body["limite_anuncios"] == 0
    assert "senha" not in body
    assert (
        await login(client, "morador@example.com", "senha-forte-1")
    ).status_code == 200


async def test_master_creates_users_of_any_level(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for n, level in enumerate(["Master", "Sindico", "Visitante"]):
        response = await client.post(
            "/usuarios",
            headers=admin_headers,
            json=new_user(email=f"u{n}@example.com", nivel=level, limite_condominios=3),
        )
        assert response.status_code == 201, response.text
        assert response.json()["nivel"] == level
        assert response.json()["limite_condominios"] == 3


async def test_create_with_an_unknown_condominio_is_404_and_creates_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/usuarios", headers=admin_headers, json=new_user(condominios_ids=[987654])
    )
    assert response.status_code == 404
    assert response.json()["code"] == "condominium_not_found"
    listing = await client.get(
        "/usuarios", headers=admin_headers, params={"q": "fulano"}
    )
    assert listing.json()["total"] == 0


async def test_create_with_a_taken_email_is_409(
    client: httpx.AsyncClient, admin: User, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/usuarios", headers=admin_headers, json=new_user(email=admin.email.upper())
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nivel", "Admin"),
        ("limite_anuncios", -1),
        ("limite_avisos", 2**40),
        ("senha", "curta"),
        ("nome", "   "),
        ("email", "sem-arroba"),
        ("condominios_ids", [0]),
        ("ativo", "talvez"),
    ],
)
async def test_create_with_an_invalid_field_is_422_naming_it(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    field: str,
    value: Any,
) -> None:
    response = await client.post(
        "/usuarios", headers=admin_headers, json=new_user(**{field: value})
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", field]


# --- read -------------------------------------------------------------------


async def test_list_filters_by_level_text_and_active(
    client: httpx.AsyncClient,
    factory: support.Factory,
    admin: User,
    admin_headers: dict[str, str],
) -> None:
    manager = await factory.user(Role.MANAGER, name="Carla Síndica")
    await factory.user(Role.VIEWER, name="Bruno", email="bruno@condo.example")
    await factory.user(Role.VIEWER, name="Dora", is_active=False)

    async def ids(**params: Any) -> list[int]:
        response = await client.get("/usuarios", headers=admin_headers, params=params)
        assert response.status_code == 200, response.text
        return [u["id"] for u in response.json()["items"]]

    assert len(await ids()) == 4
    assert await ids(nivel="Sindico") == [manager.id]
    assert await ids(nivel="Master") == [admin.id]
    assert len(await ids(nivel="Visitante")) == 2
    assert len(await ids(q="CONDO.example")) == 1
    assert await ids(q="síndica") == [manager.id]
    assert len(await ids(ativo="false")) == 1
    assert len(await ids(ativo="true")) == 3
    assert await ids(q="%") == []

    page = await client.get(
        "/usuarios", headers=admin_headers, params={"limit": 2, "offset": 1}
    )
    body = page.json()
    assert (body["total"], body["limit"], body["offset"]) == (4, 2, 1)
    assert len(body["items"]) == 2
    assert (
        await client.get("/usuarios", headers=admin_headers, params={"limit": 201})
    ).status_code == 422
    assert (
        await client.get("/usuarios", headers=admin_headers, params={"nivel": "x"})
    ).status_code == 422


async def test_condominios_ids_per_level(
    client: httpx.AsyncClient,
    factory: support.Factory,
    admin: User,
    admin_headers: dict[str, str],
) -> None:
    manager = await factory.user(Role.MANAGER)
    managed = await condominium(factory, manager)
    await condominium(factory)
    response = await client.get(f"/usuarios/{manager.id}", headers=admin_headers)
    assert response.json()["condominios_ids"] == [managed.id]
    response = await client.get(f"/usuarios/{admin.id}", headers=admin_headers)
    assert response.json()["condominios_ids"] == []
    me = await client.get("/auth/me", headers=await factory.headers(manager))
    assert me.json()["condominios_ids"] == [managed.id]


async def test_unknown_or_out_of_range_ids(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assert (
        await client.get("/usuarios/999999", headers=admin_headers)
    ).status_code == 404
    for bad in ("0", "-1", str(2**63), "abc"):
        response = await client.get(f"/usuarios/{bad}", headers=admin_headers)
        assert response.status_code == 422, bad


# --- update -----------------------------------------------------------------


async def test_update_changes_only_the_fields_sent(
    client: httpx.AsyncClient, factory: support.Factory, admin_headers: dict[str, str]
) -> None:
    viewer = await factory.user(Role.VIEWER, name="Antes")
    first = await condominium(factory)
    second = await condominium(factory)
    response = await client.put(
        f"/usuarios/{viewer.id}",
        headers=admin_headers,
        json={"limite_avisos": 7, "condominios_ids": [first.id]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["nome"], body["limite_avisos"]) == ("Antes", 7)
    assert body["condominios_ids"] == [first.id]

    response = await client.put(
        f"/usuarios/{viewer.id}",
        headers=admin_headers,
        json={"nome": "Depois", "condominios_ids": [second.id]},
    )
    assert response.json()["condominios_ids"] == [second.id]
    assert response.json()["nome"] == "Depois"
    response = await client.put(
        f"/usuarios/{viewer.id}", headers=admin_headers, json={"condominios_ids": []}
    )
    assert response.json()["condominios_ids"] == []


async def test_update_refuses_null_unknown_condominios_and_taken_email(
    client: httpx.AsyncClient,
    factory: support.Factory,
    admin: User,
    admin_headers: dict[str, str],
) -> None:
    viewer = await factory.user(Role.VIEWER)
    url = f"/usuarios/{viewer.id}"
    response = await client.put(url, headers=admin_headers, json={"nome": None})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "nome"]
    response = await client.put(
        url, headers=admin_headers, json={"condominios_ids": [123456]}
    )
    assert response.status_code == 404
    response = await client.put(url, headers=admin_headers, json={"email": admin.email})
    assert response.status_code == 409


async def test_demoting_a_sindico_releases_its_condominios(
    client: httpx.AsyncClient, factory: support.Factory, admin_headers: dict[str, str]
) -> None:
    manager = await factory.user(Role.MANAGER)
    managed = await condominium(factory, manager)
    other = await condominium(factory)
    response = await client.put(
        f"/usuarios/{manager.id}",
        headers=admin_headers,
        json={"nivel": "Visitante", "condominios_ids": [other.id]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["nivel"] == "Visitante"
    assert response.json()["condominios_ids"] == [other.id]
    async with factory.sessionmaker() as session:
        manager_id = await session.scalar(
            select(Condominium.manager_id).where(Condominium.id == managed.id)
        )
    assert manager_id is None


async def test_promoting_a_visitante_drops_its_assignments(
    client: httpx.AsyncClient, factory: support.Factory, admin_headers: dict[str, str]
) -> None:
    first = await condominium(factory)
    created = await client.post(
        "/usuarios", headers=admin_headers, json=new_user(condominios_ids=[first.id])
    )
    user_id = created.json()["id"]
    response = await client.put(
        f"/usuarios/{user_id}", headers=admin_headers, json={"nivel": "Sindico"}
    )
    assert response.json()["condominios_ids"] == []
    back = await client.put(
        f"/usuarios/{user_id}", headers=admin_headers, json={"nivel": "Visitante"}
    )
    assert back.json()["condominios_ids"] == []


# --- tokens die -------------------------------------------------------------


async def test_deactivating_a_user_kills_its_tokens_and_login(
    client: httpx.AsyncClient, factory: support.Factory, admin_headers: dict[str, str]
) -> None:
    user = await factory.user(Role.MANAGER)
    tokens = await tokens_for(client, user.email)
    response = await client.put(
        f"/usuarios/{user.id}", headers=admin_headers, json={"ativo": False}
    )
    assert response.status_code == 200
    assert response.json()["ativo"] is False
    me = await client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 401
    refreshed = await client.post(
        "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
    assert (await login(client, user.email)).status_code == 401

    # Reactivation lets the user in again, but the old session stays dead.
    await client.put(
        f"/usuarios/{user.id}", headers=admin_headers, json={"ativo": True}
    )
    assert (await login(client, user.email)).status_code == 200
    me = await client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 401


async def test_deleting_a_user_kills_its_tokens(
    client: httpx.AsyncClient, factory: support.Factory, admin_headers: dict[str, str]
) -> None:
    manager = await factory.user(Role.MANAGER)
    managed = await condominium(factory, manager)
    tokens = await tokens_for(client, manager.email)
    response = await client.delete(f"/usuarios/{manager.id}", headers=admin_headers)
    assert response.status_code == 204
    me = await client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 401
    assert (await login(client, manager.email)).status_code == 401
    gone = await client.get(f"/usuarios/{manager.id}", headers=admin_headers)
    assert gone.status_code == 404
    again = await client.delete(f"/usuarios/{manager.id}", headers=admin_headers)
    assert again.status_code == 404
    async with factory.sessionmaker() as session:
        kept = await session.get(Condominium, managed.id)
    assert kept is not None
    assert kept.manager_id is None


async def test_a_password_set_by_the_master_kills_the_users_tokens(
    client: httpx.AsyncClient, factory: support.Factory, admin_headers: dict[str, str]
) -> None:
    user = await factory.user(Role.VIEWER)
    tokens = await tokens_for(client, user.email)
    response = await client.put(
        f"/usuarios/{user.id}", headers=admin_headers, json={"senha": "trocada-789"}
    )
    assert response.status_code == 200
    me = await client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 401
    assert (await login(client, user.email)).status_code == 401
    assert (await login(client, user.email, "trocada-789")).status_code == 200


async def test_a_level_change_applies_to_live_tokens(
    client: httpx.AsyncClient, factory: support.Factory, admin_headers: dict[str, str]
) -> None:
    user = await factory.user(Role.MANAGER)
    headers = await factory.headers(user)
    await client.put(
        f"/usuarios/{user.id}", headers=admin_headers, json={"nivel": "Master"}
    )
    assert (await client.get("/usuarios", headers=headers)).status_code == 200


# --- a Master can not lock itself out ---------------------------------------


@pytest.mark.parametrize(
    "changes", [{"ativo": False}, {"nivel": "Sindico"}, {"nivel": "Visitante"}]
)
async def test_a_master_cannot_deactivate_or_demote_itself(
    client: httpx.AsyncClient,
    admin: User,
    admin_headers: dict[str, str],
    changes: dict[str, Any],
) -> None:
    response = await client.put(
        f"/usuarios/{admin.id}", headers=admin_headers, json=changes
    )
    assert response.status_code == 409
    assert response.json()["code"] == "own_account_protected"
    still = await client.get(f"/usuarios/{admin.id}", headers=admin_headers)
    assert still.json()["nivel"] == "Master"
    assert still.json()["ativo"] is True


async def test_a_master_cannot_delete_itself(
    client: httpx.AsyncClient, admin: User, admin_headers: dict[str, str]
) -> None:
    response = await client.delete(f"/usuarios/{admin.id}", headers=admin_headers)
    assert response.status_code == 409
    assert response.json()["code"] == "own_account_protected"


async def test_a_master_changing_its_own_password_keeps_its_session(
    client: httpx.AsyncClient, admin: User
) -> None:
    current = await tokens_for(client, admin.email)
    other = await tokens_for(client, admin.email)
    response = await client.put(
        f"/usuarios/{admin.id}",
        headers=bearer(current["access_token"]),
        json={"senha": "nova-senha-000", "nivel": "Master", "ativo": True},
    )
    assert response.status_code == 200, response.text
    assert (
        await client.get("/auth/me", headers=bearer(current["access_token"]))
    ).status_code == 200
    assert (
        await client.get("/auth/me", headers=bearer(other["access_token"]))
    ).status_code == 401
