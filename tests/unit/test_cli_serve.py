from pathlib import Path
from typing import Any

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


def test_uvicorn_runs_the_lightest_websocket_protocol(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """wsproto, without permessage-deflate: the least memory per idle TV socket
    (docs/deploying.md, sizing); wsproto is a dependency of the app itself."""
    import uvicorn
    import uvicorn.config

    from expotv import serving

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **options: seen.update(options))
    serving.run("uvicorn", host="127.0.0.1", port=8000, workers=1)

    assert seen["ws"] == "wsproto"
    assert seen["ws_per_message_deflate"] is False
    config = uvicorn.config.Config("expotv.main:create_app", ws=seen["ws"])
    config.load()  # imports the protocol (fails were wsproto missing)
    assert config.ws_protocol_class.__name__ == "WSProtocol"
