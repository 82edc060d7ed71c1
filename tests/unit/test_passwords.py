"""argon2id password hashes: their cost is a setting; a stored hash keeps its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from expotv.auth import passwords
from expotv.config import Settings


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(autouse=True)
def _suite_cost() -> Iterator[None]:
    yield
    passwords.configure(settings())


def test_new_hashes_take_the_configured_cost() -> None:
    passwords.configure(
        settings(password_time_cost=2, password_memory_kib=128, password_parallelism=1)
    )
    made = passwords.hash_password("senha-forte-123")
    assert made.startswith("$argon2id$v=19$m=128,t=2,p=1$")
    assert passwords.verify_password("senha-forte-123", made)
    assert not passwords.verify_password("outra-senha-123", made)


def test_a_hash_made_at_another_cost_still_verifies() -> None:
    passwords.configure(
        settings(password_time_cost=1, password_memory_kib=64, password_parallelism=1)
    )
    cheap = passwords.hash_password("senha-forte-123")
    passwords.configure(
        settings(password_time_cost=2, password_memory_kib=256, password_parallelism=2)
    )
    assert passwords.hash_password("x").startswith("$argon2id$v=19$m=256,t=2,p=2$")
    assert passwords.verify_password("senha-forte-123", cheap)


def test_an_unknown_account_is_checked_against_a_hash_of_the_same_cost() -> None:
    passwords.configure(
        settings(password_time_cost=1, password_memory_kib=96, password_parallelism=1)
    )
    assert not passwords.verify_password("qualquer", None)
    assert passwords._dummy_hash().startswith("$argon2id$v=19$m=96,t=1,p=1$")
    # A malformed stored hash is a failed login, not an error.
    assert not passwords.verify_password("qualquer", "não é um hash")


def test_production_defaults_are_argon2s_own() -> None:
    fields = Settings.model_fields
    assert fields["password_time_cost"].default == 3
    assert fields["password_memory_kib"].default == 65536
    assert fields["password_parallelism"].default == 4


@pytest.mark.parametrize(
    "values",
    [
        {"password_time_cost": 0},
        {"password_memory_kib": 8},
        {"password_parallelism": 0},
        {"password_memory_kib": 64, "password_parallelism": 16},
    ],
)
def test_a_cost_argon2_would_refuse_is_a_settings_error(
    values: dict[str, int],
) -> None:
    with pytest.raises(ValidationError):
        settings(**values)
