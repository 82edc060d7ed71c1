"""The metrics folder ``expotv serve`` shares between its workers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from expotv.observability.exposition import MULTIPROC_ENV, worker_metrics_dir


@pytest.fixture(autouse=True)
def no_multiproc_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)


def test_one_worker_keeps_metrics_in_memory() -> None:
    with worker_metrics_dir(1):
        assert MULTIPROC_ENV not in os.environ


def test_several_workers_get_a_fresh_folder_removed_afterwards() -> None:
    with worker_metrics_dir(2):
        folder = Path(os.environ[MULTIPROC_ENV])
        assert folder.is_dir()
        assert not any(folder.iterdir())
        (folder / "counter_123.db").write_bytes(b"")

    assert MULTIPROC_ENV not in os.environ
    assert not folder.exists()


def test_a_folder_set_by_the_operator_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))

    with worker_metrics_dir(4):
        assert os.environ[MULTIPROC_ENV] == str(tmp_path)

    assert os.environ[MULTIPROC_ENV] == str(tmp_path)
    assert tmp_path.is_dir()
