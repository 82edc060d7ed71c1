from __future__ import annotations

import pytest
from pydantic import ValidationError

from expotv.config import Settings


def test_timezone_defaults_to_sao_paulo() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.timezone == "America/Sao_Paulo"
    assert settings.zone.key == "America/Sao_Paulo"


def test_unknown_timezone_is_refused() -> None:
    with pytest.raises(ValidationError, match="fuso horário desconhecido"):
        Settings(_env_file=None, timezone="America/Atlantida")  # type: ignore[call-arg]
