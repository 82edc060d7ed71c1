"""wrk (Debian's package) with this folder's Lua scripts: req/s, latency, errors.

Each script is ``lua/report.lua`` (thread numbers, helpers and the JSON ``done``)
followed by one operation's script. wrk is closed-loop: every connection sends its
next request when the previous answer arrives (``mixed.lua`` can pace them).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

LUA_DIR = Path(__file__).resolve().parent / "lua"
TIMEOUT_SECONDS = 10


@dataclass
class Measure:
    """One wrk run (or one timed series of other requests), in the units shown."""

    operation: str
    connections: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    # connect / read / write / timeout / status>=400 as wrk counts them
    error_detail: dict[str, int]
    target: str = ""
    # The server's CPU (user + system, all its processes) per answered request:
    # what a request costs, whatever else the machine runs (``Bench.http``).
    server_cpu_ms: float | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(
            "falta o wrk: instale com 'apt-get install wrk' "
            "(make bench instala quando roda como root)"
        )
    return path


def script(name: str, workdir: Path) -> Path:
    """``report.lua`` + ``{name}.lua`` as one file (wrk loads a single script)."""
    target = workdir / f"{name}.lua"
    target.write_text(
        (LUA_DIR / "report.lua").read_text()
        + "\n"
        + (LUA_DIR / f"{name}.lua").read_text()
    )
    return target


def run(
    operation: str,
    url: str,
    *,
    lua: str,
    args: list[str],
    workdir: Path,
    connections: int,
    seconds: float,
    threads: int = 2,
) -> Measure:
    command = [
        require_wrk(),
        "-t",
        str(min(threads, connections)),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(seconds))}s",
        "--timeout",
        f"{TIMEOUT_SECONDS}s",
        "-s",
        str(script(lua, workdir)),
        url,
        "--",
        *args,
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=seconds + 120
    )
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return parse(
                operation, connections, json.loads(line.removeprefix("BENCH_JSON "))
            )
    raise RuntimeError(
        f"wrk não informou o resultado ({completed.returncode}):\n"
        f"{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}"
    )


def parse(operation: str, connections: int, data: dict[str, float]) -> Measure:
    seconds = data["duration_us"] / 1e6
    detail = {
        name: int(data[name])
        for name in ("connect", "read", "write", "timeout", "status")
    }
    return Measure(
        operation=operation,
        connections=connections,
        requests=int(data["requests"]),
        seconds=seconds,
        rps=data["requests"] / seconds if seconds else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=sum(detail.values()),
        error_detail=detail,
    )
