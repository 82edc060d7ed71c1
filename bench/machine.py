"""What the figures were measured on: the machine, the versions, the load.

A phase is called busy when other processes took CPU from it: the machine's busy
CPU time (/proc/stat) less the bench's own processes' and the services' it
drives. The load average is kept for the record, but on 2 cores the bench's own
server, wrk and clients already put it past the cores.
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata

import psutil  # type: ignore[import-untyped]

PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "granian",
    "uvloop",
    "httptools",
    "sqlalchemy",
    "asyncmy",
    "redis",
    "pydantic",
    "locust",
)


def cores() -> int:
    return os.cpu_count() or 1


# The services the bench drives: their CPU is part of what is measured.
SERVICES = frozenset({"mariadbd", "mysqld", "redis-server"})
# Cores' worth of CPU taken by anything else during a phase, past which its
# figures are called depressed.
BUSY_OTHER_CORES = 0.25


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat)."""
    with open("/proc/stat") as file:
        fields = file.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(v) for v in fields[:8]
    )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _spent(process: psutil.Process) -> float:
    times = process.cpu_times()
    # children_*: descendants already ended and waited for (wrk, a py-spy).
    return float(
        times.user + times.system + times.children_user + times.children_system
    )


def _ours_seconds() -> float:
    """CPU seconds of the bench's own processes (itself, the service, wrk, the
    clients) and of the services it drives (MariaDB, Redis)."""
    total = 0.0
    me = psutil.Process()
    seen = {me.pid}
    processes = [me, *me.children(recursive=True)]
    for process in psutil.process_iter(["name"]):
        if process.info["name"] in SERVICES and process.pid not in seen:
            processes.append(process)
    for process in processes:
        with contextlib.suppress(psutil.Error):
            total += _spent(process)
    return total


@dataclass(frozen=True)
class CpuSample:
    """The machine's busy CPU and the bench's own, at one instant."""

    at: float
    machine: float
    ours: float

    @classmethod
    def now(cls) -> CpuSample:
        return cls(time.monotonic(), _busy_seconds(), _ours_seconds())

    def others_since(self, earlier: CpuSample) -> float:
        """Cores' worth of CPU that other processes took between the two."""
        seconds = self.at - earlier.at
        if seconds <= 0:
            return 0.0
        others = (self.machine - earlier.machine) - (self.ours - earlier.ours)
        return round(max(0.0, others) / seconds, 2)


@dataclass(frozen=True)
class Load:
    """``os.getloadavg()``: runnable processes over 1, 5 and 15 minutes."""

    one: float
    five: float
    fifteen: float

    @classmethod
    def now(cls) -> Load:
        one, five, fifteen = os.getloadavg()
        return cls(round(one, 2), round(five, 2), round(fifteen, 2))

    @property
    def is_busy(self) -> bool:
        """More runnable processes than cores: the figures are depressed."""
        return self.one > cores()

    def as_list(self) -> list[float]:
        return [self.one, self.five, self.fifteen]


def _first(path: str, prefix: str) -> str:
    try:
        with open(path) as file:
            for line in file:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def _command(*args: str) -> str:
    try:
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (
        (done.stdout or done.stderr).strip().splitlines()[0]
        if done.stdout or done.stderr
        else "?"
    )


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def describe(*, mariadb: str = "?", redis: str = "?") -> dict[str, object]:
    memory_kb = _first("/proc/meminfo", "MemTotal").split()[0]
    versions = {name: v for name in PACKAGES if (v := _version(name))}
    return {
        "cpu": _first("/proc/cpuinfo", "model name"),
        "cores": cores(),
        "memory_gib": round(int(memory_kb) / 1024 / 1024, 1)
        if memory_kb.isdigit()
        else "?",
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "wrk": _command("wrk", "--version").split(" [")[0],
        "mariadb": mariadb,
        "redis": redis,
        "packages": versions,
        "commit": _command("git", "rev-parse", "--short", "HEAD"),
    }
