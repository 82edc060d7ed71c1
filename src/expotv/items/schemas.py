"""Field types and the bodies every kind of item shares: create, update, read.

A kind's schemas subclass ``ItemCreate``, ``ItemUpdate`` (a ``PartialModel``: see
``expotv.schemas`` for the idiom) and ``ItemRead``, adding only its own fields.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    MISSING,
    AfterValidator,
    Field,
    StringConstraints,
    model_validator,
)

from expotv import windows as weekly
from expotv.content import ContentStatus, MediaKind
from expotv.errors import Responses, error_responses
from expotv.items.models import ContentItem
from expotv.items.scope import Scope
from expotv.schemas import ApiModel, PartialModel, ReadModel, RowId
from expotv.timezones import as_utc

MAX_TARGETS = 500
MAX_WINDOWS = 50
# MariaDB's DATETIME ends at year 9999; a converted offset must not overflow it.
_MAX_YEAR = 9000


def _unique(values: list[int]) -> list[int]:
    return list(dict.fromkeys(values))


def _stored_utc(value: datetime) -> datetime:
    """Naive input is wall-clock time in EXPOTV_TIMEZONE (``expotv.timezones``)."""
    if value.year > _MAX_YEAR:
        raise ValueError(f"data muito distante (até o ano {_MAX_YEAR})")
    return as_utc(value)


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
_NAIVE = "; sem fuso (offset), é lida no fuso EXPOTV_TIMEZONE"
Expiry = Annotated[
    datetime,
    AfterValidator(_stored_utc),
    Field(description="depois deste momento o item não passa mais" + _NAIVE),
]
Start = Annotated[
    datetime,
    AfterValidator(_stored_utc),
    Field(description="antes deste momento o item fica agendado e não passa" + _NAIVE),
]
RequestedStatus = Literal["ativo", "inativo"]
TvIds = Annotated[
    IdList,
    Field(
        description="TVs onde o item passa, dos condomínios do item; vazio: todas "
        "as TVs dos condomínios"
    ),
]
Weekday = Annotated[int, Field(ge=1, le=7)]
ClockTime = Annotated[
    str,
    StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$"),
    Field(description="HH:MM, no fuso do condomínio de cada TV", examples=["19:00"]),
]


class WindowIn(ApiModel):
    """Janela semanal; com `fim` antes de `inicio` ela passa da meia-noite e
    pertence ao dia em que começa."""

    days: list[Weekday] = Field(
        alias="dias",
        min_length=1,
        max_length=7,
        description="dias da semana ISO em que a janela começa (1 = segunda)",
    )
    start: ClockTime = Field(alias="inicio")
    end: ClockTime = Field(alias="fim")

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise ValueError("inicio e fim iguais: a janela não teria duração")
        return self

    def window(self) -> weekly.Window:
        return weekly.Window(
            days=frozenset(self.days),
            start=weekly.minutes_of(self.start),
            end=weekly.minutes_of(self.end),
        )


class WindowRead(ApiModel):
    """Janela semanal; com `fim` antes de `inicio` ela passa da meia-noite e
    pertence ao dia em que começa."""

    days: list[int] = Field(
        alias="dias",
        description="dias da semana ISO em que a janela começa (1 = segunda)",
    )
    start: str = Field(alias="inicio", description="HH:MM, no fuso do condomínio")
    end: str = Field(alias="fim", description="HH:MM, no fuso do condomínio")


def to_windows(values: list[WindowIn] | None) -> weekly.Windows:
    """What is stored; repeated windows say nothing more."""
    return tuple(dict.fromkeys(value.window() for value in values or ()))


Windows = Annotated[
    list[WindowIn],
    Field(
        max_length=MAX_WINDOWS,
        description="janelas semanais em que o item passa; vazio: sempre. Em "
        "multipart, o JSON da lista num só campo",
    ),
]


class ItemCreate(ApiModel):
    """What every kind of item is created with; a kind adds its own fields."""

    name: ItemName = Field(alias="nome")
    condominium_ids: TargetIds = Field(alias="condominios_ids")
    status: RequestedStatus = "ativo"
    starts_at: Start | None = Field(default=None, alias="data_inicio")
    expires_at: Expiry | None = Field(default=None, alias="data_expiracao")
    # A kind re-declares it to document its own default.
    duration_seconds: Duration | None = Field(default=None, alias="duracao")
    windows: Windows = Field(default_factory=list, alias="horarios")
    tv_ids: TvIds = Field(default_factory=list, alias="tvs_ids")


class ItemUpdate(PartialModel):
    """Only the fields sent change; ``null`` clears the optional ones."""

    name: ItemName | MISSING = Field(default=MISSING, alias="nome")
    condominium_ids: TargetIds | MISSING = Field(
        default=MISSING, alias="condominios_ids"
    )
    status: RequestedStatus | MISSING = MISSING
    starts_at: Start | None | MISSING = Field(default=MISSING, alias="data_inicio")
    expires_at: Expiry | None | MISSING = Field(default=MISSING, alias="data_expiracao")
    duration_seconds: Duration | MISSING = Field(default=MISSING, alias="duracao")
    windows: Windows | None | MISSING = Field(default=MISSING, alias="horarios")
    tv_ids: TvIds | None | MISSING = Field(default=MISSING, alias="tvs_ids")


Scoped = Callable[[Scope, Any], list[int]]


class ItemRead(ReadModel):
    """An item as shown at ``now`` to the caller of ``scope``."""

    # Id lists show only what the caller may see: field -> the ids it shows.
    SCOPED: ClassVar[dict[str, Scoped]] = {
        "condominium_ids": lambda scope, item: scope.visible_condominiums(
            item.condominium_ids
        ),
        "tv_ids": lambda scope, item: scope.visible_tvs(item.tvs),
    }

    name: str = Field(alias="nome")
    condominium_ids: list[int] = Field(alias="condominios_ids")
    status: ContentStatus = Field(
        description="agendado antes de data_inicio; expirado depois de "
        "data_expiracao; só itens ativo passam"
    )
    starts_at: datetime | None = Field(
        alias="data_inicio",
        description="antes deste momento o item fica agendado e não passa",
    )
    expires_at: datetime | None = Field(
        alias="data_expiracao", description="depois deste momento o item não passa"
    )
    windows: list[WindowRead] = Field(
        alias="horarios",
        description="janelas semanais em que o item passa, no fuso do condomínio "
        "de cada TV; vazio: sempre",
    )
    tv_ids: list[int] = Field(
        alias="tvs_ids",
        description="TVs onde o item passa (só as que quem pede pode ver); vazio: "
        "todas as TVs dos condomínios",
    )
    archive_url: str | None
    media_kind: MediaKind | None = Field(alias="tipo_midia")
    thumbnail_url: str | None
    media_error: str | None = Field(alias="erro_midia")
    duration_seconds: int = Field(alias="duracao")
    created_by_id: int | None = Field(alias="criado_por_id")

    @classmethod
    def present(cls, item: ContentItem, *, scope: Scope, now: datetime) -> Self:
        scoped = {name: visible(scope, item) for name, visible in cls.SCOPED.items()}
        values = {
            name: getattr(item, name)
            for name in cls.model_fields
            if name not in scoped and name != "windows"
        }
        return cls.model_validate(
            {
                **values,
                **scoped,
                "status": item.status_at(now),
                "windows": [window.payload() for window in item.windows],
            }
        )


# 401/403/404 are documented where the routers are included (``main``).
WRITE_RESPONSES: Responses = {
    **error_responses(
        {
            413: "arquivo ou corpo grande demais",
            415: "tipo de conteúdo ou de arquivo não aceito",
        }
    ),
    422: {
        "description": "campo inválido",
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/HTTPValidationError"}
            }
        },
    },
}
