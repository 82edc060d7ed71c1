from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    field_validator,
)

from expotv.content import ContentStatus
from expotv.news.feeds import MAX_URL_LENGTH
from expotv.news.models import NewsItem
from expotv.pagination import Page
from expotv.schemas import ApiModel, ReadModel, UtcDatetime


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


def _refuse_null(value: Any) -> Any:
    # Defaults are not validated, so this only refuses an explicit null.
    if value is None:
        raise ValueError("o valor não pode ser nulo")
    return value


class NewsCreate(ApiModel):
    title: Title = Field(alias="titulo")
    summary: Summary = Field(default="", alias="resumo")
    image_url: HttpUrl | None = Field(default=None, alias="imagem_url")
    source: SourceName = Field(default="", alias="fonte")
    link: HttpUrl | None = None
    status: WritableStatus = "ativo"
    published_at: UtcDatetime | None = Field(default=None, alias="publicado_em")
    expires_at: UtcDatetime | None = Field(default=None, alias="data_expiracao")
    duration_seconds: Duration = Field(
        default=DEFAULT_DURATION_SECONDS, alias="duracao"
    )

    @field_validator("summary", "source", "status", "duration_seconds")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return _refuse_null(value)


class NewsUpdate(ApiModel):
    """Partial: fields left out stay; ``null`` clears the optional ones."""

    title: Title | None = Field(default=None, alias="titulo")
    summary: Summary | None = Field(default=None, alias="resumo")
    image_url: HttpUrl | None = Field(default=None, alias="imagem_url")
    source: SourceName | None = Field(default=None, alias="fonte")
    link: HttpUrl | None = None
    status: WritableStatus | None = None
    published_at: UtcDatetime | None = Field(default=None, alias="publicado_em")
    expires_at: UtcDatetime | None = Field(default=None, alias="data_expiracao")
    duration_seconds: Duration | None = Field(default=None, alias="duracao")

    @field_validator(
        "title", "summary", "source", "status", "duration_seconds", "published_at"
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return _refuse_null(value)


class NewsRead(ReadModel):
    title: str = Field(alias="titulo")
    summary: str = Field(alias="resumo")
    image_url: str | None = Field(alias="imagem_url")
    source: str = Field(alias="fonte")
    link: str | None
    status: ContentStatus
    published_at: datetime | None = Field(alias="publicado_em")
    expires_at: datetime | None = Field(alias="data_expiracao")
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


class FeedCreate(ApiModel):
    name: FeedName = Field(alias="nome")
    url: HttpUrl
    is_active: bool = Field(default=True, alias="ativo")

    @field_validator("is_active")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return _refuse_null(value)


class FeedUpdate(ApiModel):
    name: FeedName | None = Field(default=None, alias="nome")
    url: HttpUrl | None = None
    is_active: bool | None = Field(default=None, alias="ativo")

    @field_validator("name", "url", "is_active")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return _refuse_null(value)


class FeedRead(ReadModel):
    name: str = Field(alias="nome")
    url: str
    is_active: bool = Field(alias="ativo")
    last_fetched_at: datetime | None = Field(alias="ultima_coleta")
    last_error: str | None = Field(alias="ultimo_erro")


class FeedPage(Page[FeedRead]):
    pass
