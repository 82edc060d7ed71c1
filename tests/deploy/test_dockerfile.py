"""The Dockerfile: hadolint-clean, multi-stage, from the lock file, non-root, with a
HEALTHCHECK on /health/live. scripts/build-image.sh builds and runs it (.ci/run)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint") or str(
        Path(sys.executable).with_name("hadolint")
    )
    result = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_image_is_multi_stage_and_installs_from_the_lock_file() -> None:
    found = instructions()
    stages = [args for keyword, args in found if keyword == "FROM"]
    syncs = [args for keyword, args in found if keyword == "RUN" and "uv sync" in args]

    assert len(stages) == 2
    assert "AS build" in stages[0]
    assert syncs
    assert all("--locked" in sync and "--no-default-groups" in sync for sync in syncs)
    assert ("COPY", "--from=build /app/.venv /app/.venv") in found


def test_image_runs_as_an_unprivileged_user() -> None:
    users = [args for keyword, args in instructions() if keyword == "USER"]

    assert users
    assert users[-1].split(":")[0] not in {"0", "root"}


def test_healthcheck_probes_liveness_and_serve_is_the_command() -> None:
    found = dict(instructions())

    assert "/health/live" in found["HEALTHCHECK"]
    assert '"expotv", "serve"' in found["CMD"]
    assert "0.0.0.0" in found["CMD"]


def test_no_floating_tags() -> None:
    base = [args for keyword, args in instructions() if keyword == "ARG"]

    assert any(arg.startswith("BASE=") and ":latest" not in arg for arg in base)
    assert all(":latest" not in args for _, args in instructions())
