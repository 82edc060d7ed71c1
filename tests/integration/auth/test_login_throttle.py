from __future__ import annotations

from expotv.users.models import Role
from tests import support
from tests.conftest import AppBuilder
from tests.integration.auth.helpers import login

WINDOW_SECONDS = 600


async def test_too_many_failures_for_one_email_block_even_the_right_password(
    build_app: AppBuilder, factory: support.Factory
) -> None:
    app = await build_app(
        login_max_failures_per_email=3,
        login_max_failures_per_address=100,
        login_failure_window_seconds=WINDOW_SECONDS,
    )
    user = await factory.user(Role.VIEWER)
    other = await factory.user(Role.VIEWER)
    async with support.client_at(app, "10.1.1.1") as client:
        for _ in range(3):
            assert (await login(client, user.email, "errada-123")).status_code == 401

        blocked = await login(client, user.email.upper())
        assert blocked.status_code == 429
        assert blocked.json()["code"] == "login_blocked"
        assert 1 <= int(blocked.headers["Retry-After"]) <= WINDOW_SECONDS
        # Another account from the same address is not affected.
        assert (await login(client, other.email)).status_code == 200
    async with support.client_at(app, "10.2.2.2") as elsewhere:
        # The block follows the email, wherever the attempt comes from.
        assert (await login(elsewhere, user.email)).status_code == 429


async def test_too_many_failures_from_one_address_block_that_address(
    build_app: AppBuilder, factory: support.Factory
) -> None:
    app = await build_app(
        login_max_failures_per_email=100,
        login_max_failures_per_address=3,
        login_failure_window_seconds=WINDOW_SECONDS,
    )
    user = await factory.user(Role.VIEWER)
    async with support.client_at(app, "10.3.3.3") as attacker:
        for n in range(3):
            response = await login(attacker, f"alvo{n}@example.com", "errada-123")
            assert response.status_code == 401

        blocked = await login(attacker, user.email)
        assert blocked.status_code == 429
        assert 1 <= int(blocked.headers["Retry-After"]) <= WINDOW_SECONDS
    async with support.client_at(app, "10.4.4.4") as someone_else:
        assert (await login(someone_else, user.email)).status_code == 200


async def test_a_successful_login_resets_the_email_count(
    build_app: AppBuilder, factory: support.Factory
) -> None:
    app = await build_app(
        login_max_failures_per_email=3,
        login_max_failures_per_address=100,
        login_failure_window_seconds=WINDOW_SECONDS,
    )
    user = await factory.user(Role.VIEWER)
    async with support.client_at(app, "10.5.5.5") as client:
        for _ in range(2):
            assert (await login(client, user.email, "errada-123")).status_code == 401
        assert (await login(client, user.email)).status_code == 200
        for _ in range(2):
            assert (await login(client, user.email, "errada-123")).status_code == 401
        assert (await login(client, user.email)).status_code == 200
