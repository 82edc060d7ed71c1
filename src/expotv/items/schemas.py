"""Field types and the bodies every kind of item shares: create, update, read.

A kind's schemas subclass ``ItemCreate``, ``ItemUpdate`` (a ``PartialModel``: see
``expotv.schemas`` for the idiom) and ``ItemRead``, adding only its own fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import MISSING, AfterValidator, Field, StringConstraints

from expotv.content import ContentStatus, MediaKind
from expotv.errors import ErrorOut
from expotv.items.models import ContentItem
from expotv.items.scope import Scope
from expotv.schemas import ApiModel, PartialModel, ReadModel, RowId

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


class ItemCreate(ApiModel):
    """What every kind of item is created with; a kind adds its own fields."""

    name: ItemName = Field(alias="nome")
    condominium_ids: TargetIds = Field(alias="condominios_ids")
    status: RequestedStatus = "ativo"
    expires_at: Expiry | None = Field(default=None, alias="data_expiracao")
    # A kind re-declares it to document its own default.
    duration_seconds: Duration | None = Field(default=None, alias="duracao")


class ItemUpdate(PartialModel):
    """Only the fields sent change; ``null`` clears the optional ones."""

    name: ItemName | MISSING = Field(default=MISSING, alias="nome")
    condominium_ids: TargetIds | MISSING = Field(
        default=MISSING, alias="condominios_ids"
    )
    status: RequestedStatus | MISSING = MISSING
    expires_at: Expiry | None | MISSING = Field(default=MISSING, alias="data_expiracao")
    duration_seconds: Duration | MISSING = Field(default=MISSING, alias="duracao")


class ItemRead(ReadModel):
    """An item as shown at ``now`` to the caller of ``scope``."""

    # Id lists show only what the caller may see: field -> the filter that does it.
    SCOPED: ClassVar[dict[str, Callable[[Scope, Iterable[int]], list[int]]]] = {
        "condominium_ids": Scope.visible_condominiums
    }

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

    @classmethod
    def present(cls, item: ContentItem, *, scope: Scope, now: datetime) -> Self:
        scoped = {
            name: visible(scope, getattr(item, name))
            for name, visible in cls.SCOPED.items()
        }
        values = {
            name: getattr(item, name) for name in cls.model_fields if name not in scoped
        }
        return cls.model_validate({**values, **scoped, "status": item.status_at(now)})


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
