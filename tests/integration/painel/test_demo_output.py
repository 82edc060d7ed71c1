"""``make run`` (``expotv serve --demo``) names the dashboard first, with its logins."""

from __future__ import annotations

from pathlib import Path

import pytest

from expotv.demo import DEMO_PASSWORD, MANAGER_EMAIL, run_demo
from tests import support
from tests.conftest import make_settings


async def test_demo_prints_the_dashboard_address_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(tmp_path)
    support.migrate(settings)
    for _ in range(2):  # created now, then found already there
        await run_demo(
            settings, quiet_if_filled=True, base_url="http://192.168.0.10:8000"
        )
        lines = capsys.readouterr().out.splitlines()
        assert lines[0] == "Painel do EXPO TV: http://192.168.0.10:8000/painel"
        assert MANAGER_EMAIL in lines[1]
        assert DEMO_PASSWORD in lines[1]
        assert sum("/tv/" in line for line in lines) == 3
