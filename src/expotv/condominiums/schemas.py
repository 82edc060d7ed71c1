from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from expotv.schemas import ApiModel, ReadModel, RowId
from expotv.tvs.models import TVStatus

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class CondominiumCreate(ApiModel):
    name: Name = Field(alias="nome")
    address: Address | None = Field(default="", alias="endereco")
    # Left out: the caller when a Síndico, nobody when a Master.
    manager_id: RowId | None = Field(default=None, alias="sindico_id")


class CondominiumUpdate(ApiModel):
    name: Name | None = Field(default=None, alias="nome")
    address: Address | None = Field(default=None, alias="endereco")
    manager_id: RowId | None = Field(default=None, alias="sindico_id")

    @field_validator("name")
    @classmethod
    def _name_not_null(cls, value: Any) -> Any:
        # Defaults are not validated, so this only refuses an explicit null.
        if value is None:
            raise ValueError("nome não pode ser nulo")
        return value


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
