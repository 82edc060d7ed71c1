"""User bodies: the contract's pt-BR names (``nome``, ``nivel``, ``limite_*``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import MISSING, AfterValidator, Field, StringConstraints

from expotv.pagination import Page
from expotv.schemas import ApiModel, Count, PartialModel, RowId
from expotv.users.models import Role, User


class Level(StrEnum):
    # ``nivel`` as the contract spells it (a docstring would show in /openapi.json).

    MASTER = "Master"
    SINDICO = "Sindico"
    VISITANTE = "Visitante"


LEVEL_BY_ROLE: dict[Role, Level] = {
    Role.ADMIN: Level.MASTER,
    Role.MANAGER: Level.SINDICO,
    Role.VIEWER: Level.VISITANTE,
}
ROLE_BY_LEVEL: dict[Level, Role] = {
    level: role for role, level in LEVEL_BY_ROLE.items()
}

MIN_PASSWORD_LENGTH = 8
# Hashing cost grows with the input; nobody types more than this.
MAX_PASSWORD_LENGTH = 1024
MAX_EMAIL_LENGTH = 254

# Deliberately loose: one "@", no spaces, a dot-free host is fine ("admin@localhost"),
# so self-hosted installations on private domains can use their own addresses.
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")


def normalize_email(value: str) -> str:
    """Emails are stored lower-cased and compared case-insensitively."""
    email = value.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL_RE.match(email):
        raise ValueError("e-mail inválido")
    return email


def check_password(value: str) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise ValueError(
            f"a senha precisa de ao menos {MIN_PASSWORD_LENGTH} caracteres"
        )
    if len(value) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"a senha pode ter no máximo {MAX_PASSWORD_LENGTH} caracteres")
    return value


def check_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise ValueError("o nome não pode ficar vazio")
    if len(name) > 120:
        raise ValueError("o nome pode ter no máximo 120 caracteres")
    return name


EmailAddress = Annotated[
    str,
    StringConstraints(max_length=320),
    AfterValidator(normalize_email),
    Field(json_schema_extra={"format": "email"}),
]
NewPassword = Annotated[
    str,
    AfterValidator(check_password),
    Field(
        json_schema_extra={
            "minLength": MIN_PASSWORD_LENGTH,
            "maxLength": MAX_PASSWORD_LENGTH,
            "writeOnly": True,
        }
    ),
]
PersonName = Annotated[
    str,
    AfterValidator(check_name),
    Field(json_schema_extra={"minLength": 1, "maxLength": 120}),
]
CondominiumIds = Annotated[list[RowId], Field(max_length=10_000)]


class UserRead(ApiModel):
    id: int
    name: str = Field(alias="nome")
    email: str
    level: Level = Field(alias="nivel")
    is_active: bool = Field(alias="ativo")
    ad_limit: int = Field(alias="limite_anuncios")
    notice_limit: int = Field(alias="limite_avisos")
    condominium_limit: int = Field(alias="limite_condominios")
    condominium_ids: list[int] = Field(
        alias="condominios_ids",
        description=(
            "Visitante: condomínios atribuídos; Síndico: condomínios dos quais é "
            "síndico; Master: [] (vê todos)"
        ),
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def build(cls, user: User, condominium_ids: Sequence[int]) -> UserRead:
        return cls(
            id=user.id,
            name=user.name,
            email=user.email,
            level=LEVEL_BY_ROLE[user.role],
            is_active=user.is_active,
            ad_limit=user.ad_limit,
            notice_limit=user.notice_limit,
            condominium_limit=user.condominium_limit,
            condominium_ids=list(condominium_ids),
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


UserPage = Page[UserRead]


_CONDOMINIUM_IDS_HELP = (
    "condomínios que um Visitante pode ver; ignorado para Master e Síndico "
    "(o síndico de um condomínio é definido pelo sindico_id do condomínio)"
)


class UserCreate(ApiModel):
    name: PersonName = Field(alias="nome")
    email: EmailAddress
    password: NewPassword = Field(alias="senha")
    level: Level = Field(default=Level.VISITANTE, alias="nivel")
    is_active: bool = Field(default=True, alias="ativo")
    ad_limit: Count = Field(default=10, alias="limite_anuncios")
    notice_limit: Count = Field(default=10, alias="limite_avisos")
    condominium_limit: Count = Field(default=1, alias="limite_condominios")
    condominium_ids: CondominiumIds = Field(
        default_factory=list, alias="condominios_ids", description=_CONDOMINIUM_IDS_HELP
    )


class UserUpdate(PartialModel):
    name: PersonName | MISSING = Field(default=MISSING, alias="nome")
    email: EmailAddress | MISSING = MISSING
    password: NewPassword | MISSING = Field(default=MISSING, alias="senha")
    level: Level | MISSING = Field(default=MISSING, alias="nivel")
    is_active: bool | MISSING = Field(default=MISSING, alias="ativo")
    ad_limit: Count | MISSING = Field(default=MISSING, alias="limite_anuncios")
    notice_limit: Count | MISSING = Field(default=MISSING, alias="limite_avisos")
    condominium_limit: Count | MISSING = Field(
        default=MISSING, alias="limite_condominios"
    )
    condominium_ids: CondominiumIds | MISSING = Field(
        default=MISSING, alias="condominios_ids", description=_CONDOMINIUM_IDS_HELP
    )
