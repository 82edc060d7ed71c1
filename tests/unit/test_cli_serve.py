from pathlib import Path

import pytest
from typer.testing import CliRunner

from expotv.cli import app


def test_serve_refuses_several_workers_without_redis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXPOTV_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("EXPOTV_REDIS_URL", raising=False)

    result = CliRunner().invoke(app, ["serve", "--workers", "2"])

    assert result.exit_code == 2
    assert "EXPOTV_REDIS_URL" in result.output
    assert not (tmp_path / "expotv.db").exists()  # refused before migrating
