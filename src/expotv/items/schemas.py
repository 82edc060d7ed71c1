"""Field types and the read shape shared by anúncios and avisos.

Request models use ``MISSING`` for "left out" (a partial ``PUT`` changes only what
was sent) and ``None`` for "cleared"; fields that can not be cleared leave ``None``
out of their type, so an explicit ``null`` is a 422 naming the field and the JSON
schema stays truthful.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, Field, StringConstraints

from expotv.content import ContentStatus, MediaKind
from expotv.errors import ErrorOut
from expotv.schemas import ReadModel, RowId

T = TypeVar("T")
R = TypeVar("R")

MAX_TARGETS = 500
# MariaDB's DATETIME ends at year 9999; a converted offset must not overflow it.
_MAX_EXPIRY_YEAR = 9000


def _unique(values: list[int]) -> list[int]:
    return list(dict.fromkeys(values))


def _expiry_utc(value: datetime) -> datetime:
    if value.year > _MAX_EXPIRY_YEAR:
        raise ValueError(f"data muito distante (até o ano {_MAX_EXPIRY_YEAR})")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


IdList = Annotated[list[RowId], Field(max_length=MAX_TARGETS), AfterValidator(_unique)]
TargetIds = Annotated[
    list[RowId],
    Field(
        min_length=1,
        max_length=MAX_TARGETS,
        description="condomínios onde o item passa (ao menos um)",
    ),
    AfterValidator(_unique),
]
# Some text besides blanks, and no NUL (PostgreSQL refuses it in text columns).
TEXT_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"
OPTIONAL_TEXT_PATTERN = r"^[^\x00]*$"
ItemName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=TEXT_PATTERN
    ),
]
Duration = Annotated[int, Field(ge=1, le=3600, description="segundos na tela")]
# Without an offset the moment is taken as UTC.
Expiry = Annotated[
    datetime,
    AfterValidator(_expiry_utc),
    Field(description="depois deste momento o item não passa mais"),
]
RequestedStatus = Literal["ativo", "inativo"]


class ItemRead(ReadModel):
    name: str = Field(alias="nome")
    condominium_ids: list[int] = Field(alias="condominios_ids")
    status: ContentStatus
    expires_at: datetime | None = Field(alias="data_expiracao")
    archive_url: str | None
    media_kind: MediaKind | None = Field(alias="tipo_midia")
    thumbnail_url: str | None
    media_error: str | None = Field(alias="erro_midia")
    duration_seconds: int = Field(alias="duracao")
    created_by_id: int | None = Field(alias="criado_por_id")


# 401/403/404 are documented where the routers are included (``main``).
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut, "description": "arquivo ou corpo grande demais"},
    415: {
        "model": ErrorOut,
        "description": "tipo de conteúdo ou de arquivo não aceito",
    },
    422: {
        "description": "campo inválido",
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/HTTPValidationError"}
            }
        },
    },
}
