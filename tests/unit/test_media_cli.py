from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from expotv.cli import app
from expotv.config import Settings
from expotv.media.worker import JOB_NAME, create_worker


def test_worker_command_needs_a_queue_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("EXPOTV_QUEUE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here

    result = CliRunner().invoke(app, ["worker"])

    assert result.exit_code == 1
    assert "EXPOTV_QUEUE_URL" in result.output


def test_worker_command_is_listed() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert "worker" in result.output


async def test_arq_worker_reads_the_queue_settings() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        queue_url="redis://127.0.0.1:6399/3",
        media_queue_name="fila-de-teste",
    )
    worker = create_worker(settings, handle_signals=False)
    assert worker.queue_name == "fila-de-teste"
    assert worker.redis_settings is not None
    assert (worker.redis_settings.port, worker.redis_settings.database) == (6399, 3)
    assert set(worker.functions) == {JOB_NAME, "cron:requeue_pending"}
    assert worker.max_jobs == 1


def test_arq_worker_without_a_queue_url_is_refused() -> None:
    with pytest.raises(ValueError, match="EXPOTV_QUEUE_URL"):
        create_worker(Settings(_env_file=None))  # type: ignore[call-arg]
