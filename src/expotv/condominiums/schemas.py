from __future__ import annotations

from typing import Annotated

from pydantic import MISSING, AfterValidator, Field, StringConstraints

from expotv.schemas import ApiModel, PartialModel, ReadModel, RowId
from expotv.timezones import canonical_zone
from expotv.tvs.models import TVStatus

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Zone = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(canonical_zone),
    Field(
        description="fuso horário IANA (ex.: America/Sao_Paulo) em que as janelas "
        "de horários são lidas; padrão (ou null): EXPOTV_TIMEZONE",
        examples=["America/Manaus"],
    ),
]


class CondominiumCreate(ApiModel):
    name: Name = Field(alias="nome")
    address: Address | None = Field(default="", alias="endereco")
    # Left out: the caller when a Síndico, nobody when a Master.
    manager_id: RowId | None = Field(default=None, alias="sindico_id")
    timezone: Zone | None = Field(default=None, alias="fuso_horario")


class CondominiumUpdate(PartialModel):
    name: Name | MISSING = Field(default=MISSING, alias="nome")
    address: Address | None | MISSING = Field(default=MISSING, alias="endereco")
    manager_id: RowId | None | MISSING = Field(default=MISSING, alias="sindico_id")
    # None: back to EXPOTV_TIMEZONE.
    timezone: Zone | None | MISSING = Field(default=MISSING, alias="fuso_horario")


class CondominiumTV(ApiModel):
    id: int
    code: str = Field(alias="codigo")
    name: str = Field(alias="nome")
    status: TVStatus


class CondominiumRead(ReadModel):
    name: str = Field(alias="nome")
    address: str = Field(alias="endereco")
    manager_id: int | None = Field(alias="sindico_id")
    tvs: list[CondominiumTV]
    timezone: str = Field(
        alias="fuso_horario",
        description="fuso horário IANA do condomínio (o padrão, EXPOTV_TIMEZONE, "
        "quando ele não escolheu um)",
    )
