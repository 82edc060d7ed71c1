from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import MISSING, Field, StringConstraints

from expotv.ads.models import Ad
from expotv.items.schemas import (
    OPTIONAL_TEXT_PATTERN,
    Duration,
    Expiry,
    ItemName,
    ItemRead,
    RequestedStatus,
    TargetIds,
)
from expotv.items.scope import Scope
from expotv.schemas import ApiModel

AdvertiserPhone = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=40, pattern=OPTIONAL_TEXT_PATTERN
    ),
    Field(description="telefone ou contato do anunciante"),
]
AdvertiserName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=200, pattern=OPTIONAL_TEXT_PATTERN
    ),
]


class AdCreate(ApiModel):
    """A new anúncio; its file (`arquivo`) is sent beside it in the form."""

    name: ItemName = Field(alias="nome")
    condominium_ids: TargetIds = Field(alias="condominios_ids")
    advertiser_phone: AdvertiserPhone | None = Field(
        default=None, alias="numero_anunciante"
    )
    advertiser_name: AdvertiserName | None = Field(
        default=None, alias="nome_anunciante"
    )
    status: RequestedStatus = "ativo"
    expires_at: Expiry | None = Field(default=None, alias="data_expiracao")
    duration_seconds: Duration | None = Field(
        default=None,
        alias="duracao",
        description="segundos; padrão: a duração do vídeo, ou 10 para imagem",
    )


class AdUpdate(ApiModel):
    """Only the fields sent change; ``null`` clears the optional ones."""

    name: ItemName | MISSING = Field(default=MISSING, alias="nome")
    condominium_ids: TargetIds | MISSING = Field(
        default=MISSING, alias="condominios_ids"
    )
    advertiser_phone: AdvertiserPhone | None | MISSING = Field(
        default=MISSING, alias="numero_anunciante"
    )
    advertiser_name: AdvertiserName | None | MISSING = Field(
        default=MISSING, alias="nome_anunciante"
    )
    status: RequestedStatus | MISSING = MISSING
    expires_at: Expiry | None | MISSING = Field(default=MISSING, alias="data_expiracao")
    duration_seconds: Duration | MISSING = Field(default=MISSING, alias="duracao")


class AdRead(ItemRead):
    advertiser_phone: str = Field(alias="numero_anunciante")
    advertiser_name: str = Field(alias="nome_anunciante")

    @classmethod
    def present(cls, ad: Ad, *, scope: Scope, now: datetime) -> AdRead:
        return cls(
            id=ad.id,
            name=ad.name,
            condominium_ids=scope.visible_condominiums(c.id for c in ad.condominiums),
            advertiser_phone=ad.advertiser_phone,
            advertiser_name=ad.advertiser_name,
            status=ad.status_at(now),
            expires_at=ad.expires_at,
            archive_url=ad.archive_url,
            media_kind=ad.media_kind,
            thumbnail_url=ad.thumbnail_url,
            media_error=ad.media_error,
            duration_seconds=ad.duration_seconds,
            created_by_id=ad.created_by_id,
            created_at=ad.created_at,
            updated_at=ad.updated_at,
        )
