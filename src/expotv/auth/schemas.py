from __future__ import annotations

from typing import Literal

from pydantic import MISSING, BaseModel, Field

from expotv.schemas import ApiModel, PartialModel
from expotv.users.schemas import (
    MAX_PASSWORD_LENGTH,
    EmailAddress,
    NewPassword,
    PersonName,
)

# Enough for any token this service issues; longer input is refused unread.
MAX_TOKEN_LENGTH = 4096


class LoginRequest(ApiModel):
    # Not validated as an address: anything that is not an account is a plain 401.
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(alias="senha", min_length=1, max_length=MAX_PASSWORD_LENGTH)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="validade do access_token, em segundos")


class RefreshRequest(ApiModel):
    refresh_token: str = Field(min_length=1, max_length=MAX_TOKEN_LENGTH)


class RegisterRequest(ApiModel):
    """Cadastro público: cria sempre um Visitante; outros campos (`nivel`...) são
    ignorados."""

    name: PersonName = Field(alias="nome")
    email: EmailAddress
    password: NewPassword = Field(alias="senha")


class MeUpdate(PartialModel):
    name: PersonName | MISSING = Field(default=MISSING, alias="nome")
    current_password: str = Field(
        alias="senha_atual", min_length=1, max_length=MAX_PASSWORD_LENGTH
    )
    password: NewPassword | MISSING = Field(
        default=MISSING,
        alias="senha",
        description="nova senha; encerra todas as outras sessões",
    )
