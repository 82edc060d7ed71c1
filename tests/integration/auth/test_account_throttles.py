"""Password guessing through one's own account, and sign-up floods (issue 14).

``PUT /auth/me`` checked ``senha_atual`` with no limit: a stolen access token could
guess the password while the login form was locked. ``/auth/register`` had no
limit: each call costs ~0.1 s of hashing, and accounts were unlimited.
"""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from expotv.context import context_of
from expotv.users.models import Role, User
from tests import support
from tests.conftest import AppBuilder
from tests.cost import measured
from tests.integration.auth.helpers import bearer, login, tokens_for
from tests.integration.painel.browserless import sign_in

EMAIL_LIMIT = 3


def refused(surface: str, reason: str) -> float:
    value = support.sample_value(
        "expotv_refused_total", {"surface": surface, "reason": reason}
    )
    return value or 0.0


async def change_name(
    client: httpx.AsyncClient, headers: dict[str, str], current: str
) -> httpx.Response:
    return await client.put(
        "/auth/me", json={"nome": "Outro nome", "senha_atual": current}, headers=headers
    )


async def test_guessing_senha_atual_is_throttled_with_the_logins_of_that_email(
    build_app: AppBuilder, factory: support.Factory
) -> None:
    app = await build_app(
        login_max_failures_per_email=EMAIL_LIMIT,
        login_max_failures_per_address=100,
        login_failure_window_seconds=600,
    )
    user = await factory.user(Role.VIEWER)
    counted = refused("account", "password_checks_blocked")
    async with support.client_at(app, "10.70.0.1") as thief:
        stolen = bearer((await tokens_for(thief, user.email))["access_token"])
        # One failure at the login form, two through the stolen token: together
        # they reach the e-mail's limit.
        assert (await login(thief, user.email, "chute-000")).status_code == 401
        for guess in ("chute-001", "chute-002"):
            assert (await change_name(thief, stolen, guess)).status_code == 403

        with measured() as cost:
            guesses = [
                await change_name(thief, stolen, f"chute-{n:03d}") for n in range(3, 53)
            ]
        # Even the right password is refused now: guessing on tells nothing.
        right = await change_name(thief, stolen, support.PASSWORD)
        form = await login(thief, user.email)

    assert {r.status_code for r in guesses} == {429}
    assert guesses[0].json()["code"] == "password_checks_blocked"
    assert 1 <= int(guesses[0].headers["retry-after"]) <= 600
    assert right.status_code == 429
    assert form.status_code == 429  # and the login form is locked by them too
    # Refused before hashing: 50 refusals cost far less CPU than 50 hash checks.
    assert cost.cpu_seconds < 2.5, cost
    assert refused("account", "password_checks_blocked") == counted + 51
    async with context_of(app).sessionmaker() as session:
        stored = await session.get(User, user.id)
        assert stored is not None
        assert stored.name == user.name  # nothing was changed


async def test_the_dashboard_account_page_goes_through_the_same_throttle(
    build_app: AppBuilder, factory: support.Factory
) -> None:
    app = await build_app(
        login_max_failures_per_email=EMAIL_LIMIT,
        login_max_failures_per_address=100,
        login_failure_window_seconds=600,
    )
    user = await factory.user(Role.MANAGER)
    async with support.client_at(app, "10.71.0.1") as browser:
        csrf = await sign_in(browser, user.email)
        statuses = []
        for n in range(EMAIL_LIMIT + 1):
            response = await browser.post(
                "/painel/conta",
                data={
                    "csrf_token": csrf,
                    "senha_atual": f"chute-{n}",
                    "senha": "nova-senha-123",
                    "senha_confirmacao": "nova-senha-123",
                },
            )
            statuses.append(response.status_code)
        assert statuses == [403] * EMAIL_LIMIT + [429]
        assert "Muitas tentativas com a senha errada" in response.text
        assert 1 <= int(response.headers["retry-after"]) <= 600
        # The API's check of the same account is blocked as well.
        headers = await factory.headers(user)
        assert (await change_name(browser, headers, support.PASSWORD)).status_code == (
            429
        )


async def test_sign_ups_from_one_address_are_throttled(
    build_app: AppBuilder, factory: support.Factory
) -> None:
    app = await build_app(register_max_per_address=5, register_window_seconds=3600)
    counted = refused("register", "register_rate_limited")
    async with (
        support.client_at(app, "10.72.0.1") as flood,
        support.client_at(app, "10.72.0.2") as neighbour,
    ):
        accepted = [
            await flood.post(
                "/auth/register",
                json={
                    "nome": f"Conta {n}",
                    "email": f"conta{n}@example.com",
                    "senha": "senha-123456",
                },
            )
            for n in range(5)
        ]
        with measured() as cost:
            refusals = [
                await flood.post(
                    "/auth/register",
                    json={
                        "nome": f"Conta {n}",
                        "email": f"conta{n}@example.com",
                        "senha": "senha-123456",
                    },
                )
                for n in range(5, 105)
            ]
        other = await neighbour.post(
            "/auth/register",
            json={"nome": "Vizinho", "email": "vizinho@example.com", "senha": "x" * 8},
        )

    assert [r.status_code for r in accepted] == [201] * 5
    assert {r.status_code for r in refusals} == {429}
    assert refusals[0].json()["code"] == "register_rate_limited"
    assert 1 <= int(refusals[0].headers["retry-after"]) <= 3600
    # No password hashed for the refused ones: 100 of them cost far less CPU
    # than the ~10 s their hashes would take.
    assert cost.cpu_seconds < 2.5, cost
    assert other.status_code == 201
    assert refused("register", "register_rate_limited") == counted + 100
    async with context_of(app).sessionmaker() as session:
        accounts = await session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.VIEWER)
        )
    assert accounts == 6  # nothing of the refused sign-ups was stored
