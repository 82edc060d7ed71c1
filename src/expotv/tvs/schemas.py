from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, field_validator

from expotv.condominiums.schemas import Name
from expotv.schemas import ApiModel, ReadModel, RowId
from expotv.tvs.models import (
    DEFAULT_AD_RATIO,
    DEFAULT_NEWS_RATIO,
    DEFAULT_NOTICE_RATIO,
    TVStatus,
)

# Strict: "5" or 5.0 is a wrong type (422), not a number to coerce.
Ratio = Annotated[int, Field(strict=True, ge=0, le=100)]

_RATIO_FIELDS = ("ad_ratio", "notice_ratio", "news_ratio")


def _refuse_null(value: Any) -> Any:
    # Defaults are not validated, so this only refuses an explicit null.
    if value is None:
        raise ValueError("o valor não pode ser nulo")
    return value


class TVCreate(ApiModel):
    name: Name = Field(alias="nome")
    condominium_id: RowId = Field(alias="condominio_id")
    ad_ratio: Ratio = Field(default=DEFAULT_AD_RATIO, alias="proporcao_anuncios")
    notice_ratio: Ratio = Field(default=DEFAULT_NOTICE_RATIO, alias="proporcao_avisos")
    news_ratio: Ratio = Field(default=DEFAULT_NEWS_RATIO, alias="proporcao_noticias")


class TVRatiosUpdate(ApiModel):
    ad_ratio: Ratio | None = Field(default=None, alias="proporcao_anuncios")
    notice_ratio: Ratio | None = Field(default=None, alias="proporcao_avisos")
    news_ratio: Ratio | None = Field(default=None, alias="proporcao_noticias")

    @field_validator(*_RATIO_FIELDS)
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return _refuse_null(value)


class TVUpdate(TVRatiosUpdate):
    name: Name | None = Field(default=None, alias="nome")
    condominium_id: RowId | None = Field(default=None, alias="condominio_id")

    @field_validator("name", "condominium_id")
    @classmethod
    def _fields_not_null(cls, value: Any) -> Any:
        return _refuse_null(value)


class TVRead(ReadModel):
    code: str = Field(alias="codigo")
    name: str = Field(alias="nome")
    condominium_id: int = Field(alias="condominio_id")
    status: TVStatus
    last_seen_at: datetime | None = Field(alias="ultimo_ping")
    ad_ratio: int = Field(alias="proporcao_anuncios")
    notice_ratio: int = Field(alias="proporcao_avisos")
    news_ratio: int = Field(alias="proporcao_noticias")


class TVStatusRead(ApiModel):
    id: int
    code: str = Field(alias="codigo")
    status: TVStatus
    last_seen_at: datetime | None = Field(alias="ultimo_ping")
    seconds_since_last_seen: int | None = Field(alias="segundos_desde_ultimo_ping")
