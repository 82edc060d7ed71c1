"""Heavy libraries few requests need are loaded on first use (``expotv.lazy``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from expotv.lazy import lazy_module
from tests import support


@pytest.fixture
def module_dir(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("expotv_lazy_probe", "expotv_lazy_twice"):
            sys.modules.pop(name, None)


def test_a_lazy_module_runs_on_its_first_attribute(module_dir: Path) -> None:
    (module_dir / "expotv_lazy_probe.py").write_text(
        "import builtins\nbuiltins.expotv_probe_runs = 1\nVALUE = 42\n"
    )
    import builtins

    module = lazy_module("expotv_lazy_probe")
    assert not hasattr(builtins, "expotv_probe_runs")
    try:
        assert module.VALUE == 42
        assert getattr(builtins, "expotv_probe_runs") == 1  # noqa: B009
        # The same module for a plain import after it.
        import expotv_lazy_probe  # type: ignore[import-not-found]

        assert expotv_lazy_probe is module
    finally:
        delattr(builtins, "expotv_probe_runs")


def test_an_imported_module_is_returned_as_it_is(module_dir: Path) -> None:
    (module_dir / "expotv_lazy_twice.py").write_text("VALUE = 1\n")
    import expotv_lazy_twice  # type: ignore[import-not-found]

    assert lazy_module("expotv_lazy_twice") is expotv_lazy_twice


def test_a_missing_module_fails_at_once() -> None:
    with pytest.raises(ModuleNotFoundError, match="expotv_nao_existe"):
        lazy_module("expotv_nao_existe")


def test_an_api_worker_starts_without_ffmpeg_sentry_or_feedparser(
    tmp_path: Path,
) -> None:
    """What a worker that has served no upload, error or feed holds: none of them
    (PyAV alone is some 20 MiB per process)."""
    code = (
        "from expotv.config import Settings\n"
        "from expotv.main import create_app\n"
        "import expotv.serving\n"
        "create_app(Settings(_env_file=None, environment='test', "
        f"data_dir={str(tmp_path)!r}, jwt_secret='s' * 40))\n"
    )
    heavy = ("av.container", "sentry_sdk", "feedparser")
    assert support.modules_loaded_after(code, heavy) == []


def test_the_video_child_starts_without_the_web_framework_or_the_orm() -> None:
    """Every video upload starts ``expotv.media.sandbox``: what it imports is
    its start-up time (FastAPI and SQLAlchemy were 0.3 s of 0.75 s)."""
    code = "import expotv.media.sandbox, expotv.media.video\n"
    heavy = ("fastapi", "sqlalchemy", "expotv.main")
    assert support.modules_loaded_after(code, heavy) == []
