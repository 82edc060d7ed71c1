"""The dashboard's session: a cookie naming one of the API's login sessions."""

from __future__ import annotations

from http.cookies import SimpleCookie
from ipaddress import ip_network

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from expotv.config import Settings
from expotv.context import context_of
from expotv.main import create_app
from expotv.users.models import Role, User
from tests.integration.painel.browserless import form_token, page_token, sign_in
from tests.support import PASSWORD, Factory


def _set_cookie(response: httpx.Response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(name + "="):
            return header
    raise AssertionError(f"{name} not set: {response.headers}")


async def test_root_and_painel_lead_to_the_sign_in_form(
    client: httpx.AsyncClient,
) -> None:
    root = await client.get("/")
    assert root.status_code == 303
    assert root.headers["location"] == "/painel"
    painel = await client.get("/painel/tvs?status=online")
    assert painel.status_code == 303
    assert painel.headers["location"] == "/login?next=/painel/tvs%3Fstatus%3Donline"
    form = await client.get("/login")
    assert form.status_code == 200
    assert "Entrar no painel" in form.text
    assert form.headers["cache-control"] == "no-store"


async def test_sign_in_sets_an_http_only_same_site_cookie(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    form = await client.get("/login?next=/painel/tvs")
    response = await client.post(
        "/login",
        data={
            "email": user.email.upper(),
            "senha": PASSWORD,
            "csrf_token": form_token(form.text),
            "next": "/painel/tvs",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/painel/tvs"
    cookie = SimpleCookie(_set_cookie(response, "expotv_painel"))["expotv_painel"]
    assert cookie["httponly"]
    assert cookie["samesite"].lower() == "lax"
    assert not cookie["secure"]  # plain http: a Secure cookie would never come back
    assert cookie["path"] == "/"
    assert int(cookie["max-age"]) > 86400
    page = await client.get("/painel/tvs")
    assert page.status_code == 200
    assert user.name in page.text


async def test_cookie_is_secure_when_the_request_came_over_https(
    app: FastAPI, clean: None, factory: Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="https://testserver"
    ) as client:
        form = await client.get("/login")
        login_cookie = SimpleCookie(_set_cookie(form, "expotv_painel_login"))
        assert login_cookie["expotv_painel_login"]["secure"]
        response = await client.post(
            "/login",
            data={
                "email": user.email,
                "senha": PASSWORD,
                "csrf_token": form_token(form.text),
            },
        )
        cookie = SimpleCookie(_set_cookie(response, "expotv_painel"))["expotv_painel"]
        assert cookie["secure"]


async def test_wrong_password_shows_one_message_for_any_failure(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    inactive = await factory.user(Role.MANAGER, is_active=False)
    for email, password in (
        (user.email, "errada-123"),
        ("ninguem@example.com", PASSWORD),
        (inactive.email, PASSWORD),
    ):
        form = await client.get("/login")
        response = await client.post(
            "/login",
            data={
                "email": email,
                "senha": password,
                "csrf_token": form_token(form.text),
            },
        )
        assert response.status_code == 401
        assert "E-mail ou senha incorretos." in response.text
        assert "expotv_painel=" not in response.headers.get("set-cookie", "")


async def test_the_api_login_throttle_applies_to_the_sign_in_form(
    client: httpx.AsyncClient, factory: Factory, app: FastAPI
) -> None:
    user = await factory.user(Role.MANAGER)
    limit = context_of(app).settings.login_max_failures_per_email
    for _ in range(limit):
        failed = await client.post(
            "/auth/login", json={"email": user.email, "senha": "errada-123"}
        )
        assert failed.status_code == 401
    form = await client.get("/login")
    blocked = await client.post(
        "/login",
        data={
            "email": user.email,
            "senha": PASSWORD,
            "csrf_token": form_token(form.text),
        },
    )
    assert blocked.status_code == 429
    assert "Muitas tentativas sem sucesso" in blocked.text
    assert (await client.get("/painel")).status_code == 303


async def test_next_never_leaves_the_dashboard(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    for target in ("//evil.example/painel", "https://evil.example/", "/docs"):
        form = await client.get("/login")
        response = await client.post(
            "/login",
            data={
                "email": user.email,
                "senha": PASSWORD,
                "csrf_token": form_token(form.text),
                "next": target,
            },
        )
        assert response.headers["location"] == "/painel"
        client.cookies.clear()


async def test_logout_ends_the_login_session_everywhere(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    csrf = await sign_in(client, user.email)
    other_tab_cookie = client.cookies["expotv_painel"]
    response = await client.post("/painel/sair", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?ok=saiu"
    # The same cookie, kept by another tab or a copy, no longer works.
    client.cookies.set("expotv_painel", other_tab_cookie)
    assert (await client.get("/painel")).status_code == 303
    status = await client.get(
        "/painel/sessao.json", headers={"Accept": "application/json"}
    )
    assert status.status_code == 401
    assert status.json()["code"] == "login_required"


@pytest.mark.parametrize("change", ["deactivate", "password", "delete"])
async def test_deactivation_password_change_or_deletion_end_it_at_once(
    client: httpx.AsyncClient,
    factory: Factory,
    admin_headers: dict[str, str],
    change: str,
) -> None:
    user = await factory.user(Role.MANAGER)
    await sign_in(client, user.email)
    if change == "deactivate":
        done = await client.put(
            f"/usuarios/{user.id}", json={"ativo": False}, headers=admin_headers
        )
    elif change == "password":
        done = await client.put(
            f"/usuarios/{user.id}",
            json={"senha": "outra-senha-9"},
            headers=admin_headers,
        )
    else:
        done = await client.delete(f"/usuarios/{user.id}", headers=admin_headers)
    assert done.status_code in (200, 204)
    assert (await client.get("/painel")).status_code == 303


async def test_changing_my_password_keeps_this_session_and_ends_the_others(
    client: httpx.AsyncClient, factory: Factory, app: FastAPI
) -> None:
    user = await factory.user(Role.MANAGER)
    api_headers = await factory.headers(user)
    csrf = await sign_in(client, user.email)
    response = await client.post(
        "/painel/conta",
        data={
            "csrf_token": csrf,
            "senha_atual": PASSWORD,
            "senha": "nova-senha-123",
            "senha_confirmacao": "nova-senha-123",
        },
    )
    assert response.status_code == 303
    assert (await client.get("/painel/conta")).status_code == 200
    assert (await client.get("/auth/me", headers=api_headers)).status_code == 401


async def test_account_form_refuses_a_wrong_current_password(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    csrf = await sign_in(client, user.email)
    response = await client.post(
        "/painel/conta",
        data={
            "csrf_token": csrf,
            "senha_atual": "errada-123",
            "senha": "nova-senha-123",
            "senha_confirmacao": "nova-senha-123",
        },
    )
    assert response.status_code == 403
    assert "Senha atual incorreta" in response.text
    mismatch = await client.post(
        "/painel/conta",
        data={
            "csrf_token": csrf,
            "senha_atual": PASSWORD,
            "senha": "nova-senha-123",
            "senha_confirmacao": "outra-coisa-1",
        },
    )
    assert mismatch.status_code == 422
    assert "As senhas não conferem" in mismatch.text


async def test_the_cookie_is_not_a_bearer_token_nor_the_reverse(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user: User = await factory.user(Role.MANAGER)
    await sign_in(client, user.email)
    cookie = client.cookies["expotv_painel"]
    as_bearer = await client.get(
        "/auth/me", headers={"Authorization": f"Bearer {cookie}"}
    )
    assert as_bearer.status_code == 401
    client.cookies.clear()
    client.cookies.set("expotv_painel", await factory.token(user))
    assert (await client.get("/painel")).status_code == 303
    # The API ignores the dashboard's cookie: no CSRF door into it.
    await sign_in(client, user.email)
    assert (await client.get("/auth/me")).status_code == 401


async def test_csrf_token_is_per_session(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    first = await sign_in(client, user.email)
    client.cookies.clear()
    second = await sign_in(client, user.email)
    assert first != second
    home = await client.get("/painel")
    assert page_token(home.text) == second


async def test_static_files_are_revalidated_and_need_no_session(
    client: httpx.AsyncClient,
) -> None:
    for name, kind in (("painel.js", "javascript"), ("painel.css", "text/css")):
        response = await client.get(f"/painel/static/{name}")
        assert response.status_code == 200
        assert kind in response.headers["content-type"]
        assert response.headers["cache-control"] == "no-cache"


async def test_cookie_is_secure_behind_a_trusted_tls_proxy(
    settings: Settings, clean: None, factory: Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    behind_proxy = settings.model_copy(
        update={"trusted_proxies": [ip_network("127.0.0.0/8")]}
    )
    application = create_app(behind_proxy)
    async with LifespanManager(application, startup_timeout=30):
        transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver"
        ) as client:
            for proto, secure in (("https", True), ("http", False)):
                client.cookies.clear()
                form = await client.get("/login", headers={"X-Forwarded-Proto": proto})
                token = form_token(form.text)
                # By hand: httpx keeps a Secure cookie from an http:// address.
                client.cookies.clear()
                response = await client.post(
                    "/login",
                    data={"email": user.email, "senha": PASSWORD, "csrf_token": token},
                    headers={
                        "X-Forwarded-Proto": proto,
                        "Cookie": f"expotv_painel_login={token}",
                    },
                )
                cookie = SimpleCookie(_set_cookie(response, "expotv_painel"))
                assert bool(cookie["expotv_painel"]["secure"]) is secure, proto
