"""The seed's Locust file against the app on loopback: it must run and fail nothing.

A few TVs and dashboard users for a few seconds on a SQLite fleet made by
``bench.fleet``; the figures are not looked at (benchmarks are never timed here).
"""

from __future__ import annotations

import asyncio
import csv
import os
import subprocess
from pathlib import Path

import pytest
from bench.fleet import FleetSpec, fill
from bench.run import locust_command
from bench.stack import UNREACHABLE
from bench.uploads import image_file

from tests import support
from tests.conftest import make_settings

pytestmark = pytest.mark.slow

TVS = 4
DASHBOARD_USERS = 2


def _write(path: Path, lines: list[str]) -> str:
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_locust_fleet_and_dashboard_run_without_failures(tmp_path: Path) -> None:
    # All of Locust's TVs share 127.0.0.1 and ping every second, as make bench's
    # service allows (bench.stack.expotv_env).
    settings = make_settings(
        tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'bench.db'}",
        ws_max_per_address=UNREACHABLE,
        ping_max_per_code_per_minute=UNREACHABLE,
    )
    support.migrate(settings)
    fleet = asyncio.run(
        fill(
            settings,
            FleetSpec(tvs=TVS, tvs_per_condominium=2, ads_per_condominium=3, news=2),
        )
    )
    env = {
        **os.environ,
        "BENCH_FLEET_FILE": _write(tmp_path / "fleet.txt", fleet.codes),
        "BENCH_MANAGERS_FILE": _write(tmp_path / "managers.txt", fleet.managers),
        "BENCH_CONDOMINIUMS_FILE": _write(
            tmp_path / "condominiums.txt",
            [
                f"{m} {ids[0]}"
                for m, ids in zip(fleet.managers, fleet.managed, strict=True)
            ],
        ),
        "BENCH_PASSWORD": fleet.password,
        "BENCH_UPLOAD_FILE": str(image_file(16 * 1024)),
        "BENCH_PING_SECONDS": "1",
        "BENCH_DASHBOARD_USERS": str(DASHBOARD_USERS),
        "BENCH_WEBSOCKET": "1",
    }
    prefix = tmp_path / "locust"
    with support.live_server(settings) as server:
        command = locust_command(
            server.base_url,
            users=TVS + DASHBOARD_USERS,
            spawn_rate=TVS + DASHBOARD_USERS,
            seconds=10,
            csv_prefix=prefix,
        )
        completed = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=120, check=False
        )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    with open(f"{prefix}_stats.csv") as file:
        rows = {row["Name"]: row for row in csv.DictReader(file)}
    assert rows["Aggregated"]["Failure Count"] == "0", output
    for name in (
        "/app/tv/[codigo]/content",
        "/app/tv/[codigo]/ping",
        "/app/tv/[codigo]/ws",
        "/auth/login",
        "/anuncios",
    ):
        assert int(rows[name]["Request Count"]) > 0, (name, output)
