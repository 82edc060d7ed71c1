"""``expotv serve --workers 2`` on either server: any worker answers /metrics for
both, the server logs JSON lines of its own (no server access log), and the
open-file limit it starts with is raised to the hard limit."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from expotv.observability.tally import FLUSH_SECONDS
from tests import support
from tests.integration.observability.conftest import parse_metrics, value

ROOT = Path(__file__).resolve().parents[3]
STARTUP_SECONDS = 120
MAX_REQUESTS = 300


def log_entries(path: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for line in path.read_text().splitlines()
        if line.startswith("{")
    ]


def access_pids(path: Path) -> set[int]:
    return {e["pid"] for e in log_entries(path) if e["logger"] == "expotv.access"}


def wait_until_up(base_url: str, server: subprocess.Popen[bytes]) -> int:
    """Poll /health/live until it answers; returns how many 200s it got."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, "o servidor terminou durante a partida"
        try:
            if httpx.get(f"{base_url}/health/live", timeout=2).status_code == 200:
                return 1
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("o servidor não respondeu a tempo")


def open_file_limits(pid: int) -> tuple[int, int]:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            soft, hard = (-1 if v == "unlimited" else int(v) for v in line.split()[3:5])
            return soft, hard
    raise AssertionError("sem a linha Max open files")


def low_file_limit() -> None:
    """Started as a service manager with a small default would start it."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(512, hard), hard))


@pytest.mark.slow
@pytest.mark.parametrize("server_name", ["uvicorn", "granian"])
def test_every_worker_reports_the_requests_of_all_workers(
    tmp_path: Path, server_name: str
) -> None:
    port = support.free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "EXPOTV_DATA_DIR": str(tmp_path),
        "EXPOTV_DATABASE_URL": f"sqlite:///{tmp_path / 'expotv.db'}",
        "EXPOTV_RUN_JOBS": "false",
        "EXPOTV_LOG_JSON": "true",
        # Health probes are access lines at DEBUG (each TV, probe and scraper
        # would otherwise add an INFO line every few seconds).
        "EXPOTV_LOG_LEVEL": "DEBUG",
        "EXPOTV_JWT_SECRET": "segredo-de-teste-" + "x" * 32,
        # Several workers share their cache and TV sockets through Redis.
        "EXPOTV_REDIS_URL": support.REDIS_URL,
        "EXPOTV_REDIS_KEY_PREFIX": f"expotv-test-{support.run_id()}",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # workers compile once, not each
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "expotv.cli", "serve", "--port", str(port)]
            + ["--workers", "2", "--server", server_name],
            preexec_fn=low_file_limit,
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            answered = wait_until_up(base_url, server)
            soft, hard = open_file_limits(server.pid)
            sent: list[str] = []
            # New connections until both workers have served some (bounded).
            while len(sent) < MAX_REQUESTS and len(access_pids(log_path)) < 2:
                for _ in range(10):
                    request_id = f"multi-{len(sent)}"
                    response = httpx.get(
                        f"{base_url}/health/live",
                        headers={"X-Request-ID": request_id},
                    )
                    assert response.status_code == 200
                    sent.append(request_id)
                    answered += 1
                time.sleep(0.1)  # let the access lines reach the log
            # A worker writes its counts out every second: the other's may lag.
            time.sleep(FLUSH_SECONDS + 0.5)
            scrapes = [httpx.get(f"{base_url}/metrics").text for _ in range(6)]
        finally:
            server.terminate()
            server.wait(timeout=60)

    assert soft == hard or (hard == -1 and soft >= 1_048_576)
    assert len(access_pids(log_path)) == 2
    live = {"method": "GET", "route": "/health/live", "status": "200"}
    for text in scrapes:
        samples = parse_metrics(text)
        assert value(samples, "expotv_http_requests_total", **live) == answered
        assert "process_resident_memory_bytes" in text
    entries = log_entries(log_path)
    access = [e for e in entries if e["logger"] == "expotv.access"]
    ids = {e["request_id"] for e in access if e["route"] == "/health/live"}
    assert set(sent) <= ids
    assert {e["status"] for e in access} == {200}
    assert not [
        e for e in entries if e["logger"] in ("uvicorn.access", "granian.access")
    ]
    assert any("limite de arquivos abertos" in e["message"] for e in entries)
