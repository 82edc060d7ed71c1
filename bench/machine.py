"""What the figures were measured on: the machine, the versions, the load."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata

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
