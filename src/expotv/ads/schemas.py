from __future__ import annotations

from typing import Annotated

from pydantic import MISSING, Field, StringConstraints

from expotv.items.schemas import (
    OPTIONAL_TEXT_PATTERN,
    Duration,
    ItemCreate,
    ItemRead,
    ItemUpdate,
)

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


class AdCreate(ItemCreate):
    """A new anúncio; its file (`arquivo`) is sent beside it in the form."""

    advertiser_phone: AdvertiserPhone | None = Field(
        default=None, alias="numero_anunciante"
    )
    advertiser_name: AdvertiserName | None = Field(
        default=None, alias="nome_anunciante"
    )
    duration_seconds: Duration | None = Field(
        default=None,
        alias="duracao",
        description="segundos; padrão: a duração do vídeo, ou 10 para imagem",
    )


class AdUpdate(ItemUpdate):
    """Only the fields sent change; ``null`` clears the optional ones."""

    advertiser_phone: AdvertiserPhone | None | MISSING = Field(
        default=MISSING, alias="numero_anunciante"
    )
    advertiser_name: AdvertiserName | None | MISSING = Field(
        default=MISSING, alias="nome_anunciante"
    )


class AdRead(ItemRead):
    advertiser_phone: str = Field(alias="numero_anunciante")
    advertiser_name: str = Field(alias="nome_anunciante")
