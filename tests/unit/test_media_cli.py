from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from expotv.cli import app
from expotv.config import Settings
from expotv.media import worker as media_worker
from expotv.media.worker import JOB_NAME, SHUTDOWN_GRACE_SECONDS, create_worker


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
    # SIGTERM waits for the conversion in progress before cancelling it.
    assert worker._job_completion_wait == SHUTDOWN_GRACE_SECONDS


def test_arq_worker_without_a_queue_url_is_refused() -> None:
    with pytest.raises(ValueError, match="EXPOTV_QUEUE_URL"):
        create_worker(Settings(_env_file=None))  # type: ignore[call-arg]


def test_a_conversion_cancelled_at_shutdown_is_an_orderly_stop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """arq's close() re-raises the job it cancelled past the grace period."""

    class CancelledOnClose:
        def run(self) -> None:
            raise asyncio.CancelledError

    monkeypatch.setattr(media_worker, "create_worker", lambda _s: CancelledOnClose())
    settings = Settings(_env_file=None, queue_url="redis://127.0.0.1:6379/0")  # type: ignore[call-arg]

    media_worker.run_worker(settings)  # returns: exit status 0
