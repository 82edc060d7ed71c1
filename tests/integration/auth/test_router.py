from __future__ import annotations

import asyncio

import httpx

from expotv.config import Settings
from expotv.users.models import Role
from tests import support
from tests.conftest import AppBuilder
from tests.integration.auth.helpers import (
    bearer,
    login,
    tokens_for,
    unverified_claims,
)

USER_FIELDS = {
    "id",
    "nome",
    "email",
    "nivel",
    "ativo",
    "limite_anuncios",
    "limite_avisos",
    "limite_condominios",
    "condominios_ids",
    "created_at",
    "updated_at",
}


# --- register ---------------------------------------------------------------


async def test_register_creates_a_visitante_and_ignores_nivel(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/auth/register",
        json={
            "nome": " Ana Souza ",
            "email": "Ana.Souza@Example.COM",
            "senha": "segredo-123",
            "nivel": "Master",
            "condominios_ids": [1],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == USER_FIELDS
    assert body["nome"] == "Ana Souza"
    assert body["email"] == "ana.souza@example.com"
    assert body["nivel"] == "Visitante"
    assert body["ativo"] is True
    assert body["condominios_ids"] == []
    assert "senha" not in body

    tokens = await tokens_for(client, "ANA.SOUZA@example.com", "segredo-123")
    me = await client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert me.json()["id"] == body["id"]


async def test_register_with_a_taken_email_in_other_case_is_409(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    await factory.user(Role.VIEWER, email="dup@example.com")
    response = await client.post(
        "/auth/register",
        json={"nome": "X", "email": "DUP@example.com", "senha": "segredo-123"},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"


async def test_register_with_a_short_password_is_422(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/auth/register",
        json={"nome": "X", "email": "x@example.com", "senha": "1234567"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "senha"]


async def test_register_with_a_malformed_email_is_422(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/auth/register",
        json={"nome": "X", "email": "not an email", "senha": "segredo-123"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "email"]


async def test_register_is_403_when_disabled(build_app: AppBuilder) -> None:
    app = await build_app(allow_registration=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as other:
        response = await other.post(
            "/auth/register",
            json={"nome": "X", "email": "x@example.com", "senha": "segredo-123"},
        )
    assert response.status_code == 403
    assert response.json()["code"] == "registration_disabled"


# --- login ------------------------------------------------------------------


async def test_login_with_json_returns_a_token_pair_with_the_contract_claims(
    client: httpx.AsyncClient, factory: support.Factory, settings: Settings
) -> None:
    user = await factory.user(Role.MANAGER)
    response = await login(client, user.email.upper())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.access_token_seconds

    access = unverified_claims(body["access_token"])
    assert access["sub"] == str(user.id)
    assert access["email"] == user.email
    assert access["nivel"] == "Sindico"
    assert access["typ"] == "access"
    assert access["exp"] - access["iat"] == settings.access_token_seconds
    refresh = unverified_claims(body["refresh_token"])
    assert refresh["typ"] == "refresh"
    assert refresh["sid"] == access["sid"]
    assert refresh["jti"] != access["jti"]

    me = await client.get("/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["nivel"] == "Sindico"


async def test_login_accepts_the_oauth2_password_form(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.ADMIN)
    response = await client.post(
        "/auth/login",
        data={
            "grant_type": "password",
            "username": user.email,
            "password": support.PASSWORD,
        },
    )
    assert response.status_code == 200, response.text
    me = await client.get("/auth/me", headers=bearer(response.json()["access_token"]))
    assert me.json()["email"] == user.email


async def test_login_form_without_password_names_the_form_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/auth/login", data={"username": "a@example.com"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]


async def test_login_with_invalid_json_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/login",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422


async def test_login_documents_json_and_form_bodies(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    content = schema["paths"]["/auth/login"]["post"]["requestBody"]["content"]
    assert set(content["application/json"]["schema"]["properties"]) == {
        "email",
        "senha",
    }
    form = content["application/x-www-form-urlencoded"]["schema"]
    assert {"username", "password"} <= set(form["properties"])
    scheme = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == "/auth/login"


async def test_unknown_email_and_wrong_password_give_the_same_401(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.VIEWER)
    wrong_password = await login(client, user.email, "outra-senha-999")
    unknown_email = await login(client, "ninguem@example.com", "outra-senha-999")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.headers["WWW-Authenticate"] == "Bearer"


async def test_inactive_user_cannot_log_in(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.VIEWER, is_active=False)
    response = await login(client, user.email)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


# --- tokens -----------------------------------------------------------------


async def test_requests_without_or_with_a_bad_token_are_401_with_bearer_challenge(
    client: httpx.AsyncClient,
) -> None:
    for headers in ({}, bearer("garbage"), {"Authorization": "Basic abc"}):
        response = await client.get("/auth/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_a_refresh_token_is_not_accepted_as_an_access_token(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.VIEWER)
    tokens = await tokens_for(client, user.email)
    response = await client.get("/auth/me", headers=bearer(tokens["refresh_token"]))
    assert response.status_code == 401


async def test_an_access_token_is_not_accepted_as_a_refresh_token(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.VIEWER)
    tokens = await tokens_for(client, user.email)
    response = await client.post(
        "/auth/refresh", json={"refresh_token": tokens["access_token"]}
    )
    assert response.status_code == 401


async def test_refresh_rotates_the_pair_in_the_same_session(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.VIEWER)
    first = await tokens_for(client, user.email)
    response = await client.post(
        "/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (
        unverified_claims(second["access_token"])["sid"]
        == unverified_claims(first["access_token"])["sid"]
    )
    for access in (first["access_token"], second["access_token"]):
        me = await client.get("/auth/me", headers=bearer(access))
        assert me.status_code == 200
    third = await client.post(
        "/auth/refresh", json={"refresh_token": second["refresh_token"]}
    )
    assert third.status_code == 200


async def test_reusing_a_refresh_token_revokes_the_whole_family(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.VIEWER)
    first = await tokens_for(client, user.email)
    rotated = (
        await client.post(
            "/auth/refresh", json={"refresh_token": first["refresh_token"]}
        )
    ).json()

    reuse = await client.post(
        "/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert reuse.status_code == 401
    assert reuse.json()["code"] == "refresh_token_reused"

    # The thief's and the owner's tokens of that session are all dead now.
    me = await client.get("/auth/me", headers=bearer(rotated["access_token"]))
    assert me.status_code == 401
    again = await client.post(
        "/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert again.status_code == 401
    # Other sessions of the user are not touched.
    assert (await login(client, user.email)).status_code == 200


async def test_concurrent_uses_of_one_refresh_token_let_only_one_through(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.VIEWER)
    first = await tokens_for(client, user.email)
    body = {"refresh_token": first["refresh_token"]}
    responses = await asyncio.gather(
        client.post("/auth/refresh", json=body),
        client.post("/auth/refresh", json=body),
    )
    assert sorted(r.status_code for r in responses) == [200, 401]
    # The loser counts as a reuse: the winner's session is gone as well.
    (winner,) = [r.json() for r in responses if r.status_code == 200]
    me = await client.get("/auth/me", headers=bearer(winner["access_token"]))
    assert me.status_code == 401


async def test_logout_ends_the_session_without_an_access_token(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.VIEWER)
    ended = await tokens_for(client, user.email)
    kept = await tokens_for(client, user.email)
    response = await client.post(
        "/auth/logout", json={"refresh_token": ended["refresh_token"]}
    )
    assert response.status_code == 204
    assert response.content == b""

    me = await client.get("/auth/me", headers=bearer(ended["access_token"]))
    assert me.status_code == 401
    refreshed = await client.post(
        "/auth/refresh", json={"refresh_token": ended["refresh_token"]}
    )
    assert refreshed.status_code == 401
    me_kept = await client.get("/auth/me", headers=bearer(kept["access_token"]))
    assert me_kept.status_code == 200
    # Logging out twice is still a success.
    repeat = await client.post(
        "/auth/logout", json={"refresh_token": ended["refresh_token"]}
    )
    assert repeat.status_code == 204


async def test_logout_with_an_invalid_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/logout", json={"refresh_token": "x.y.z"})
    assert response.status_code == 401


# --- /auth/me ---------------------------------------------------------------


async def test_me_changes_the_name_with_the_current_password(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    headers = await factory.headers(user)
    response = await client.put(
        "/auth/me",
        headers=headers,
        json={"nome": "Novo Nome", "senha_atual": support.PASSWORD, "nivel": "Master"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["nome"] == "Novo Nome"
    assert response.json()["nivel"] == "Sindico"


async def test_me_with_a_wrong_current_password_is_403(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.VIEWER)
    response = await client.put(
        "/auth/me",
        headers=await factory.headers(user),
        json={"nome": "X", "senha_atual": "errada-123"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "wrong_password"


async def test_me_without_the_current_password_is_422(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.VIEWER)
    response = await client.put(
        "/auth/me", headers=await factory.headers(user), json={"nome": "X"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "senha_atual"]


async def test_a_password_change_ends_every_other_session(
    client: httpx.AsyncClient, factory: support.Factory
) -> None:
    user = await factory.user(Role.VIEWER)
    current = await tokens_for(client, user.email)
    other = await tokens_for(client, user.email)
    response = await client.put(
        "/auth/me",
        headers=bearer(current["access_token"]),
        json={"senha_atual": support.PASSWORD, "senha": "nova-senha-456"},
    )
    assert response.status_code == 200, response.text

    assert (
        await client.get("/auth/me", headers=bearer(current["access_token"]))
    ).status_code == 200
    assert (
        await client.get("/auth/me", headers=bearer(other["access_token"]))
    ).status_code == 401
    refreshed = await client.post(
        "/auth/refresh", json={"refresh_token": other["refresh_token"]}
    )
    assert refreshed.status_code == 401
    assert (await login(client, user.email)).status_code == 401
    assert (await login(client, user.email, "nova-senha-456")).status_code == 200
