"""`expotv serve` in a subprocess on a fresh SQLite database, as it is deployed."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests import support

STARTUP_SECONDS = 120


@contextlib.contextmanager
def expotv_serve(tmp_path: Path, **env: str) -> Iterator[str]:
    """The base URL of a running ``expotv serve`` with ``EXPOTV_*`` from ``env``."""
    port = support.free_port()
    environ = {
        **os.environ,
        "EXPOTV_DATA_DIR": str(tmp_path),
        "EXPOTV_DATABASE_URL": f"sqlite:///{tmp_path / 'expotv.db'}",
        "EXPOTV_RUN_JOBS": "false",
        "EXPOTV_LOG_LEVEL": "WARNING",
        "EXPOTV_JWT_SECRET": "segredo-de-teste-" + "x" * 32,
        **{f"EXPOTV_{name.upper()}": value for name, value in env.items()},
    }
    base_url = f"http://127.0.0.1:{port}"
    with (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "expotv.cli", "serve", "--port", str(port)],
            cwd=tmp_path,
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                try:
                    if httpx.get(f"{base_url}/health/live", timeout=2).is_success:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "o servidor não respondeu a tempo"
                time.sleep(0.2)
            yield base_url
        finally:
            server.terminate()
            server.wait(timeout=60)
