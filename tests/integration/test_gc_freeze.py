"""A serving process freezes its start-up heap (gc.freeze) once its lifespan has
started; with the setting off it does not. In a subprocess each: freezing this
test process would keep every app the suite drops."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from expotv.main import GC_YOUNG_THRESHOLD

SCRIPT = """
import asyncio, gc, sys
from asgi_lifespan import LifespanManager
from expotv.main import create_app
from tests.conftest import make_settings
from pathlib import Path

async def main() -> None:
    settings = make_settings(
        Path(sys.argv[1]),
        database_url=f"sqlite:///{sys.argv[1]}/app.db",
        gc_freeze_after_startup=sys.argv[2] == "on",
    )
    from tests import support
    support.migrate(settings)
    before = gc.get_freeze_count()
    async with LifespanManager(create_app(settings), startup_timeout=60):
        print(gc.get_threshold()[0], before, gc.get_freeze_count())

asyncio.run(main())
"""


@pytest.mark.parametrize("setting", ["on", "off"])
def test_the_start_up_heap_is_frozen_only_when_asked(
    setting: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), setting],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    young, before, after = (int(v) for v in done.stdout.split()[-3:])
    assert before == 0
    if setting == "on":
        # Everything start-up made: tens of thousands of objects at least.
        assert after > 50_000
        assert young == GC_YOUNG_THRESHOLD
    else:
        assert after == 0
        assert young == 700  # CPython's own
