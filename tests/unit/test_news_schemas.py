"""Request and response bodies of /noticias and /noticias/fontes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from expotv.content import ContentStatus
from expotv.news.models import NewsItem
from expotv.news.schemas import FeedCreate, FeedUpdate, NewsCreate, NewsRead, NewsUpdate


def _read(**fields: object) -> NewsRead:
    now = datetime.now(UTC)
    values: dict[str, object] = {
        "id": 1,
        "titulo": "T",
        "resumo": "",
        "imagem_url": None,
        "fonte": "",
        "link": None,
        "status": "ativo",
        "publicado_em": now,
        "data_expiracao": None,
        "duracao": 10,
        "created_at": now,
        "updated_at": now,
    }
    values.update(fields)
    return NewsRead.model_validate(values)


def test_news_create_defaults() -> None:
    body = NewsCreate.model_validate({"titulo": "Olá"})

    assert body.duration_seconds == 10
    assert body.status == "ativo"
    assert body.summary == ""
    assert body.image_url is None


def test_naive_expiry_is_read_in_expotv_timezone() -> None:
    body = NewsCreate.model_validate(
        {"titulo": "x", "data_expiracao": "2031-01-01T10:00:00"}
    )

    # Outside a request: EXPOTV_TIMEZONE's default, São Paulo (UTC-3).
    assert body.expires_at == datetime(2031, 1, 1, 13, tzinfo=UTC)


@pytest.mark.parametrize(
    "field", ["titulo", "resumo", "fonte", "status", "duracao", "publicado_em"]
)
def test_update_refuses_null_for_required_fields(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        NewsUpdate.model_validate({field: None})

    assert caught.value.errors()[0]["loc"] == (field,)


@pytest.mark.parametrize("field", ["imagem_url", "link", "data_expiracao"])
def test_update_may_clear_optional_fields(field: str) -> None:
    body = NewsUpdate.model_validate({field: None})

    assert body.model_fields_set == {
        {"imagem_url": "image_url", "link": "link", "data_expiracao": "expires_at"}[
            field
        ]
    }


@pytest.mark.parametrize("duration", [True, 1.5, "10", 0, 3601])
def test_duration_must_be_an_integer_in_range(duration: object) -> None:
    with pytest.raises(ValidationError):
        NewsCreate.model_validate({"titulo": "x", "duracao": duration})


def test_passed_expiry_reads_as_expirado_at_the_instant_given() -> None:
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

    def shown(status: ContentStatus, expires_at: datetime | None) -> ContentStatus:
        item = NewsItem(
            id=1,
            title="T",
            summary="",
            source="",
            status=status,
            expires_at=expires_at,
            duration_seconds=10,
            created_at=now,
            updated_at=now,
        )
        return NewsRead.present(item, now=now).status

    assert shown(ContentStatus.ACTIVE, now) is ContentStatus.EXPIRED
    assert shown(ContentStatus.INACTIVE, now) is ContentStatus.EXPIRED
    ahead = now + timedelta(seconds=1)
    assert shown(ContentStatus.ACTIVE, ahead) is ContentStatus.ACTIVE
    assert shown(ContentStatus.INACTIVE, None) is ContentStatus.INACTIVE


def test_read_model_serializes_contract_names() -> None:
    dumped = _read().model_dump(by_alias=True)

    assert set(dumped) == {
        "id",
        "titulo",
        "resumo",
        "imagem_url",
        "fonte",
        "link",
        "status",
        "publicado_em",
        "data_expiracao",
        "duracao",
        "created_at",
        "updated_at",
    }


@pytest.mark.parametrize(
    "url", ["ftp://a.com/rss", "a.com/rss", "http://", "https://a b.com/", ""]
)
def test_feed_url_must_be_http(url: str) -> None:
    with pytest.raises(ValidationError):
        FeedCreate.model_validate({"nome": "Fonte", "url": url})


def test_feed_update_refuses_null_name() -> None:
    with pytest.raises(ValidationError):
        FeedUpdate.model_validate({"nome": None})
