from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import MISSING, AfterValidator, Field, StringConstraints, TypeAdapter

from expotv.content import ContentStatus
from expotv.news.feeds import MAX_URL_LENGTH
from expotv.news.models import NewsItem
from expotv.pagination import Page
from expotv.schemas import ApiModel, PartialModel, ReadModel, UtcDatetime


def _http_url(value: str) -> str:
    if any(ch.isspace() for ch in value):
        raise ValueError("a URL não pode conter espaços")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("deve ser uma URL http:// ou https://")
    return value


HttpUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_URL_LENGTH),
    AfterValidator(_http_url),
]
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)
]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
SourceName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
FeedName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
# Strict: "10" or true is a wrong type (422), not a number to coerce.
Duration = Annotated[int, Field(strict=True, ge=1, le=3600)]
# "expirado" is set by the clock, never by a client.
WritableStatus = Literal["ativo", "inativo"]

DEFAULT_DURATION_SECONDS = 10


_EXPIRY = "depois deste momento a notícia não passa"


class NewsCreate(ApiModel):
    title: Title = Field(alias="titulo")
    summary: Summary = Field(default="", alias="resumo")
    image_url: HttpUrl | None = Field(default=None, alias="imagem_url")
    source: SourceName = Field(default="", alias="fonte")
    link: HttpUrl | None = None
    status: WritableStatus = "ativo"
    published_at: UtcDatetime | None = Field(default=None, alias="publicado_em")
    expires_at: UtcDatetime | None = Field(
        default=None, alias="data_expiracao", description=_EXPIRY
    )
    duration_seconds: Duration = Field(
        default=DEFAULT_DURATION_SECONDS, alias="duracao"
    )


class NewsUpdate(PartialModel):
    title: Title | MISSING = Field(default=MISSING, alias="titulo")
    summary: Summary | MISSING = Field(default=MISSING, alias="resumo")
    image_url: HttpUrl | None | MISSING = Field(default=MISSING, alias="imagem_url")
    source: SourceName | MISSING = Field(default=MISSING, alias="fonte")
    link: HttpUrl | None | MISSING = MISSING
    status: WritableStatus | MISSING = MISSING
    published_at: UtcDatetime | MISSING = Field(default=MISSING, alias="publicado_em")
    expires_at: UtcDatetime | None | MISSING = Field(
        default=MISSING, alias="data_expiracao", description=_EXPIRY
    )
    duration_seconds: Duration | MISSING = Field(default=MISSING, alias="duracao")


class NewsRead(ReadModel):
    title: str = Field(alias="titulo")
    summary: str = Field(alias="resumo")
    image_url: str | None = Field(alias="imagem_url")
    source: str = Field(alias="fonte")
    link: str | None
    status: ContentStatus
    published_at: datetime | None = Field(alias="publicado_em")
    expires_at: datetime | None = Field(alias="data_expiracao", description=_EXPIRY)
    duration_seconds: int = Field(alias="duracao")

    @classmethod
    def present(cls, item: NewsItem, *, now: datetime) -> NewsRead:
        """The notícia as shown at ``now``: "expirado" once its date passed, before
        the expiry job stores it."""
        read = cls.model_validate(item)
        read.status = item.status_at(now)
        return read


class NewsPage(Page[NewsRead]):
    pass


# The list route's body, encoded once (``pagination.page_json``).
NEWS_PAGE: TypeAdapter[Page[NewsRead]] = TypeAdapter(Page[NewsRead])


class FeedCreate(ApiModel):
    name: FeedName = Field(alias="nome")
    url: HttpUrl
    is_active: bool = Field(default=True, alias="ativo")


class FeedUpdate(PartialModel):
    name: FeedName | MISSING = Field(default=MISSING, alias="nome")
    url: HttpUrl | MISSING = MISSING
    is_active: bool | MISSING = Field(default=MISSING, alias="ativo")


class FeedRead(ReadModel):
    name: str = Field(alias="nome")
    url: str
    is_active: bool = Field(alias="ativo")
    last_fetched_at: datetime | None = Field(alias="ultima_coleta")
    last_error: str | None = Field(alias="ultimo_erro")


class FeedPage(Page[FeedRead]):
    pass
