"""The per-request session check is cached, and every revocation still ends access
at once: on this instance and, through Redis, on every other one.

Each test first warms the cache (a successful request), then revokes, then expects
the very next request to be refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from expotv.users.models import Role, User
from tests import support
from tests.conftest import AppBuilder
from tests.integration.auth.helpers import bearer, tokens_for

NEW_PASSWORD = "outra-senha-forte-456"


statements_of = support.recorded_statements


def touches_sessions(statements: list[str]) -> list[str]:
    return [s for s in statements if "auth_session" in s]


async def me(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    return (await client.get("/auth/me", headers=headers)).status_code


async def test_a_warm_request_runs_no_session_sql(
    app: FastAPI, client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    headers = await factory.headers(user)
    with statements_of(app) as cold:
        assert await me(client, headers) == 200
    with statements_of(app) as warm:
        response = await client.get("/auth/me", headers=headers)

    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert len(touches_sessions(cold)) == 1
    assert touches_sessions(warm) == []
    assert len(warm) == len(cold) - 1


async def test_without_the_cache_every_request_asks_the_database(
    build_app: AppBuilder, factory: support.Factory
) -> None:
    app = await build_app(auth_cache_seconds=0)
    user = await factory.user(Role.MANAGER)
    headers = await factory.headers(user)
    async with support.client_at(app, "10.0.0.1") as client:
        assert await me(client, headers) == 200
        with statements_of(app) as warm:
            assert await me(client, headers) == 200

    assert len(touches_sessions(warm)) == 1


async def test_logout_ends_a_cached_session_at_once(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    pair = await tokens_for(client, user.email)
    headers = bearer(pair["access_token"])
    assert await me(client, headers) == 200

    response = await client.post(
        "/auth/logout", json={"refresh_token": pair["refresh_token"]}
    )

    assert response.status_code == 204
    assert await me(client, headers) == 401


async def test_a_new_password_ends_the_other_cached_sessions(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    mine = await factory.headers(user)
    other = await factory.headers(user)
    assert await me(client, mine) == 200
    assert await me(client, other) == 200

    response = await client.put(
        "/auth/me",
        json={"senha_atual": support.PASSWORD, "senha": NEW_PASSWORD},
        headers=mine,
    )

    assert response.status_code == 200, response.text
    assert await me(client, other) == 401
    assert await me(client, mine) == 200


async def test_a_wrong_current_password_is_still_refused_from_the_cache(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    headers = await factory.headers(user)
    assert await me(client, headers) == 200

    response = await client.put(
        "/auth/me", json={"senha_atual": "nao-e-essa", "nome": "Outro"}, headers=headers
    )

    assert response.status_code in (400, 401, 403, 422), response.text
    assert (await client.get("/auth/me", headers=headers)).json()["nome"] != "Outro"


async def test_a_name_change_shows_on_the_next_request(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    headers = await factory.headers(user)
    assert await me(client, headers) == 200

    response = await client.put(
        "/auth/me",
        json={"senha_atual": support.PASSWORD, "nome": "Nome Novo"},
        headers=headers,
    )

    assert response.status_code == 200, response.text
    assert (await client.get("/auth/me", headers=headers)).json()["nome"] == "Nome Novo"


async def test_deactivation_ends_cached_sessions_at_once(
    client: httpx.AsyncClient, factory: support.Factory, admin_headers: dict[str, str]
) -> None:
    user = await factory.user(Role.MANAGER)
    headers = await factory.headers(user)
    assert await me(client, headers) == 200

    response = await client.put(
        f"/usuarios/{user.id}", json={"ativo": False}, headers=admin_headers
    )

    assert response.status_code == 200, response.text
    assert await me(client, headers) == 401


async def test_deletion_ends_cached_sessions_at_once(
    client: httpx.AsyncClient, factory: support.Factory, admin_headers: dict[str, str]
) -> None:
    user = await factory.user(Role.MANAGER)
    headers = await factory.headers(user)
    assert await me(client, headers) == 200

    response = await client.delete(f"/usuarios/{user.id}", headers=admin_headers)

    assert response.status_code == 204, response.text
    assert await me(client, headers) == 401


async def test_a_role_change_applies_to_the_next_request(
    client: httpx.AsyncClient, factory: support.Factory, admin_headers: dict[str, str]
) -> None:
    user = await factory.user(Role.ADMIN)
    headers = await factory.headers(user)
    assert (await client.get("/usuarios", headers=headers)).status_code == 200

    response = await client.put(
        f"/usuarios/{user.id}", json={"nivel": "Visitante"}, headers=admin_headers
    )

    assert response.status_code == 200, response.text
    assert (await client.get("/usuarios", headers=headers)).status_code == 403
    assert (await client.get("/auth/me", headers=headers)).json()["nivel"] == (
        "Visitante"
    )


async def test_a_reused_refresh_token_ends_the_cached_session(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    pair = await tokens_for(client, user.email)
    first = await client.post(
        "/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert first.status_code == 200
    headers = bearer(first.json()["access_token"])
    assert await me(client, headers) == 200

    reuse = await client.post(
        "/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )

    assert reuse.status_code == 401
    assert await me(client, headers) == 401


async def test_a_cached_user_can_still_change_its_own_password(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    headers = await factory.headers(user)
    assert await me(client, headers) == 200

    changed = await client.put(
        "/auth/me",
        json={"senha_atual": support.PASSWORD, "senha": NEW_PASSWORD},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text

    relogin = await client.post(
        "/auth/login", json={"email": user.email, "senha": NEW_PASSWORD}
    )
    assert relogin.status_code == 200


@pytest.fixture
async def two_instances(
    build_app: AppBuilder,
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    shared = {
        "redis_url": support.REDIS_URL,
        "redis_key_prefix": f"expotv-test-{support.run_id()}-auth",
    }
    a = await build_app(**shared)
    b = await build_app(**shared)
    async with (
        support.client_at(a, "10.0.0.1") as client_a,
        support.client_at(b, "10.0.0.2") as client_b,
    ):
        yield client_a, client_b


@pytest.mark.redis
async def test_logout_on_one_instance_ends_the_session_on_another(
    two_instances: tuple[httpx.AsyncClient, httpx.AsyncClient],
    factory: support.Factory,
) -> None:
    a, b = two_instances
    user = await factory.user(Role.MANAGER)
    pair = await tokens_for(a, user.email)
    headers = bearer(pair["access_token"])
    assert await me(a, headers) == 200
    assert await me(b, headers) == 200

    response = await a.post(
        "/auth/logout", json={"refresh_token": pair["refresh_token"]}
    )

    assert response.status_code == 204
    assert await me(b, headers) == 401
    assert await me(a, headers) == 401


@pytest.mark.redis
async def test_deactivation_on_one_instance_ends_sessions_on_another(
    two_instances: tuple[httpx.AsyncClient, httpx.AsyncClient],
    factory: support.Factory,
    admin: User,
) -> None:
    a, b = two_instances
    admin_headers = await factory.headers(admin)
    user = await factory.user(Role.MANAGER)
    headers = await factory.headers(user)
    assert await me(b, headers) == 200

    response = await a.put(
        f"/usuarios/{user.id}", json={"ativo": False}, headers=admin_headers
    )

    assert response.status_code == 200, response.text
    assert await me(b, headers) == 401
