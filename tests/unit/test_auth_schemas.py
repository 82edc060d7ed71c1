from __future__ import annotations

import pytest
from pydantic import ValidationError

from expotv.auth.schemas import LoginRequest, MeUpdate, RegisterRequest
from expotv.users.models import Role
from expotv.users.schemas import LEVEL_BY_ROLE, ROLE_BY_LEVEL, Level, UserUpdate


def test_levels_use_the_contract_spelling() -> None:
    assert [LEVEL_BY_ROLE[r].value for r in Role] == ["Master", "Sindico", "Visitante"]
    assert {ROLE_BY_LEVEL[LEVEL_BY_ROLE[r]] for r in Role} == set(Role)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Ana@Example.COM", "ana@example.com"),
        ("  admin@localhost ", "admin@localhost"),
        ("sindico@condominio.local", "sindico@condominio.local"),
    ],
)
def test_emails_are_normalised(given: str, stored: str) -> None:
    body = RegisterRequest.model_validate(
        {"nome": "A", "email": given, "senha": "12345678"}
    )
    assert body.email == stored


@pytest.mark.parametrize("email", ["", "sem-arroba", "a@b@c", "a b@c.d", "@x", "x@"])
def test_malformed_emails_are_refused(email: str) -> None:
    with pytest.raises(ValidationError):
        RegisterRequest.model_validate(
            {"nome": "A", "email": email, "senha": "12345678"}
        )


def test_register_ignores_a_level() -> None:
    body = RegisterRequest.model_validate(
        {"nome": "A", "email": "a@b.c", "senha": "12345678", "nivel": "Master"}
    )
    assert "nivel" not in body.model_dump(by_alias=True)


@pytest.mark.parametrize("password", ["1234567", "x" * 1025])
def test_passwords_outside_the_limits_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        RegisterRequest.model_validate(
            {"nome": "A", "email": "a@b.c", "senha": password}
        )


def test_partial_updates_refuse_explicit_nulls() -> None:
    assert UserUpdate.model_validate({}).model_fields_set == set()
    assert UserUpdate.model_validate({"nivel": "Sindico"}).level is Level.SINDICO
    with pytest.raises(ValidationError):
        UserUpdate.model_validate({"ativo": None})
    with pytest.raises(ValidationError):
        MeUpdate.model_validate({"senha_atual": "x", "senha": None})


def test_login_keeps_any_email_text() -> None:
    body = LoginRequest.model_validate({"email": "not-an-email", "senha": "x"})
    assert body.email == "not-an-email"
