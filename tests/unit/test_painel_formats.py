"""The dashboard's pt-BR formats and its form-error messages (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel, Field, ValidationError

from expotv.ui.painel import forms
from expotv.ui.painel.guard import safe_next
from expotv.ui.painel.render import (
    date_presets,
    format_bytes,
    format_datetime,
    format_duration,
    format_elapsed,
    parse_local,
    zone_label,
)

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)


def test_dates_are_brazilian_and_in_the_given_zone() -> None:
    assert format_datetime(NOW, SAO_PAULO) == "06/12/2026 12:00"
    assert format_datetime(NOW, ZoneInfo("America/Manaus")) == "06/12/2026 11:00"
    assert format_datetime(None, SAO_PAULO) == ""


def test_typed_dates_are_read_in_the_zone() -> None:
    for typed in ("2026-12-06T12:00", "06/12/2026 12:00"):
        assert parse_local(typed, SAO_PAULO) == NOW
    with pytest.raises(ValueError, match="dd/mm/aaaa"):
        parse_local("amanhã", SAO_PAULO)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=20), "agora"),
        (timedelta(minutes=3), "há 3 min"),
        (timedelta(hours=1), "há 1 hora"),
        (timedelta(hours=5), "há 5 horas"),
        (timedelta(days=2), "há 2 dias"),
        (-timedelta(days=1), "em 1 dia"),
    ],
)
def test_elapsed_time(delta: timedelta, text: str) -> None:
    assert format_elapsed(NOW - delta, NOW) == text


def test_expiry_presets_end_the_day_in_the_zone() -> None:
    assert date_presets(NOW, SAO_PAULO) == [
        ("Hoje", "06/12/2026 23:59"),
        ("Em 7 dias", "13/12/2026 23:59"),
        ("Em 30 dias", "05/01/2027 23:59"),
    ]
    assert zone_label(SAO_PAULO) == "São Paulo"
    assert zone_label(ZoneInfo("America/Porto_Velho")) == "Porto Velho"
    assert zone_label(ZoneInfo("Europe/Lisbon")) == "Lisbon"


def test_durations_and_sizes() -> None:
    assert format_duration(45) == "45 s"
    assert format_duration(125) == "2 min 05 s"
    assert format_duration(120) == "2 min"
    assert format_duration(3720) == "1 h 02 min"
    assert format_bytes(5 * 1024 * 1024) == "5 MB"
    assert format_bytes(1536 * 1024) == "1,5 MB"
    assert format_bytes(2048) == "2 KB"


class _Form(BaseModel):
    nome: str = Field(min_length=1, max_length=5)
    idade: int = Field(ge=0, le=100)


def _errors(values: dict[str, object]) -> forms.FormErrors:
    with pytest.raises(ValidationError) as caught:
        _Form.model_validate(values)
    return forms.errors_of(caught.value)


def test_validation_errors_become_portuguese_messages_per_field() -> None:
    assert _errors({}) == {
        "nome": "preencha este campo",
        "idade": "preencha este campo",
    }
    assert _errors({"nome": "comprido", "idade": "dez"}) == {
        "nome": "use no máximo 5 caracteres",
        "idade": "informe um número inteiro",
    }
    assert _errors({"nome": "ok", "idade": 101}) == {
        "idade": "informe um valor até 100"
    }


def test_next_stays_inside_the_dashboard() -> None:
    assert safe_next("/painel/tvs?status=online") == "/painel/tvs?status=online"
    for target in (
        None,
        "",
        "/docs",
        "//evil.example",
        "https://evil.example",
        "/painel\\x",
    ):
        assert safe_next(target) == "/painel"
