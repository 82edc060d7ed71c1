from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import MISSING, Field

from expotv.condominiums.schemas import Name
from expotv.schemas import ApiModel, PartialModel, ReadModel, RowId
from expotv.tvs.models import (
    DEFAULT_AD_RATIO,
    DEFAULT_NEWS_RATIO,
    DEFAULT_NOTICE_RATIO,
    TVStatus,
)

# Strict: "5" or 5.0 is a wrong type (422), not a number to coerce.
Ratio = Annotated[int, Field(strict=True, ge=0, le=100)]


class TVCreate(ApiModel):
    name: Name = Field(alias="nome")
    condominium_id: RowId = Field(alias="condominio_id")
    ad_ratio: Ratio = Field(default=DEFAULT_AD_RATIO, alias="proporcao_anuncios")
    notice_ratio: Ratio = Field(default=DEFAULT_NOTICE_RATIO, alias="proporcao_avisos")
    news_ratio: Ratio = Field(default=DEFAULT_NEWS_RATIO, alias="proporcao_noticias")


class TVRatiosUpdate(PartialModel):
    ad_ratio: Ratio | MISSING = Field(default=MISSING, alias="proporcao_anuncios")
    notice_ratio: Ratio | MISSING = Field(default=MISSING, alias="proporcao_avisos")
    news_ratio: Ratio | MISSING = Field(default=MISSING, alias="proporcao_noticias")


class TVUpdate(TVRatiosUpdate):
    name: Name | MISSING = Field(default=MISSING, alias="nome")
    condominium_id: RowId | MISSING = Field(default=MISSING, alias="condominio_id")


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
