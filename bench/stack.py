"""The processes and names one bench run owns, and their clean-up.

    Run           a fresh MariaDB database, a Redis key prefix and a work folder,
                  named after the run; everything it started is ended and dropped
                  by ``close`` (also on Ctrl+C and SIGTERM: ``main`` turns them
                  into exceptions so ``finally`` runs)
    Server        one server process group on loopback (``expotv serve`` or the
                  bare ASGI ceiling) with its log, its workers and their memory

Only loopback is ever a target (``require_loopback``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import httpx
import psutil  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MARIADB_ADMIN_URL = os.environ.get(
    "BENCH_MARIADB_URL", "mysql+asyncmy://root@127.0.0.1:3306/"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
HOST = "127.0.0.1"
# What the server and the socket holder ask for (root may raise the hard limit).
WANTED_FILES = 200_000
UNREACHABLE = 1_000_000_000
# As expotv serve runs either server (expotv.serving), so the ceiling gets the same.
BACKLOG = 4096


def require_loopback(host: str) -> None:
    """Benchmarks only ever target this machine."""
    try:
        is_loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        is_loopback = host == "localhost"
    if not is_loopback:
        raise SystemExit(f"recusado: {host} não é um endereço local (use 127.0.0.1)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def raise_file_limit(wanted: int = WANTED_FILES) -> int:
    """Raise this process's open-file limit as far as the OS allows; returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for target_hard in (max(hard, wanted), hard):
        target_soft = min(wanted, target_hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target_soft, target_hard))
            return target_soft
        except (ValueError, OSError):
            continue
    return soft


def say(message: str) -> None:
    sys.stdout.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stdout.flush()


class Interrupted(Exception):
    """SIGTERM, turned into an exception so that clean-up runs."""


def install_signal_handlers() -> None:
    def on_term(signum: int, frame: Any) -> None:
        raise Interrupted(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    log_file: IO[bytes]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.port}"

    def workers(self) -> list[psutil.Process]:
        """The processes that serve requests (the master alone when it has none)."""
        try:
            master = psutil.Process(self.process.pid)
            children = [
                child
                for child in master.children(recursive=True)
                if "resource_tracker" not in " ".join(child.cmdline())
            ]
        except psutil.Error:
            return []
        return children or [master]

    def worker_pids(self) -> set[int]:
        return {worker.pid for worker in self.workers()}

    def worker_rss(self) -> list[int]:
        """Resident memory of each worker, bytes."""
        sizes = []
        for worker in self.workers():
            with contextlib.suppress(psutil.Error):
                sizes.append(int(worker.memory_info().rss))
        return sizes

    def worker_pss(self) -> list[int]:
        """Proportional memory of each worker, bytes: its own pages, plus its
        share of the pages it shares (libraries mapped by every worker)."""
        sizes = []
        for worker in self.workers():
            with contextlib.suppress(psutil.Error, AttributeError):
                sizes.append(int(worker.memory_full_info().pss))
        return sizes

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server so far (master and workers):
        per request, a figure the machine's load barely moves."""
        try:
            master = psutil.Process(self.process.pid)
            processes = [master, *master.children(recursive=True)]
        except psutil.Error:
            return 0.0
        total = 0.0
        for process in processes:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def tail(self, lines: int = 30) -> str:
        self.log_file.flush()
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def wait_ready(self, path: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} parou ao subir:\n{self.tail()}")
            try:
                if httpx.get(self.url + path, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(
            f"{self.name} não respondeu em {timeout:.0f} s:\n{self.tail()}"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            # Its own process group (start_new_session): the workers go with it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log_file.close()


def end(process: subprocess.Popen[Any]) -> Callable[[], None]:
    """A clean-up step that kills ``process`` if it still runs."""

    def kill() -> None:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)

    return kill


def _raise_child_limit() -> None:
    raise_file_limit()


def spawn(
    name: str,
    command: list[str],
    *,
    env: dict[str, str],
    log_dir: Path,
    port: int,
) -> Server:
    log = log_dir / f"{name}.log"
    log_file = log.open("ab")
    process = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_raise_child_limit,  # noqa: PLW1509 - no threads yet at spawn
    )
    return Server(name=name, port=port, process=process, log=log, log_file=log_file)


@dataclass
class Run:
    """The names of one run, and what must be undone at its end."""

    stamp: str = field(
        default_factory=lambda: (
            datetime.now().strftime("%m%d%H%M%S") + secrets.token_hex(2)
        )
    )
    keep_dir: bool = False
    _undo: list[tuple[str, Callable[[], None]]] = field(default_factory=list)
    workdir: Path = field(init=False)

    def __post_init__(self) -> None:
        self.workdir = Path(f"/tmp/expotv-bench-{self.stamp}")
        self.workdir.mkdir(parents=True)
        (self.workdir / "logs").mkdir()
        self.on_close("pasta de trabalho", self._remove_workdir)

    @property
    def redis_prefix(self) -> str:
        return f"expotvbench{self.stamp}"

    def database_name(self, label: str = "") -> str:
        suffix = f"_{label}" if label else ""
        return f"expotv_bench_{self.stamp}{suffix}"

    def on_close(self, what: str, undo: Callable[[], None]) -> None:
        self._undo.append((what, undo))

    def close(self) -> None:
        while self._undo:
            what, undo = self._undo.pop()
            try:
                undo()
            except Exception as exc:  # clean-up goes on with the rest
                sys.stderr.write(f"aviso: limpeza de {what} falhou: {exc!r}\n")

    def _remove_workdir(self) -> None:
        if not self.keep_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # Databases and Redis ----------------------------------------------------

    def create_database(self, label: str = "") -> str:
        """A fresh MariaDB database for this run (dropped at the end)."""
        name = self.database_name(label)
        _mariadb(
            f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
        self.on_close(
            f"banco {name}", lambda: _mariadb(f"DROP DATABASE IF EXISTS `{name}`")
        )
        return f"{MARIADB_ADMIN_URL.rstrip('/')}/{name}?charset=utf8mb4"

    def flush_redis(self) -> int:
        """Delete every key under this run's prefix; returns how many."""
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        deleted = 0
        try:
            batch: list[bytes] = []
            for key in client.scan_iter(match=f"{self.redis_prefix}*", count=5000):
                batch.append(key)
                if len(batch) >= 5000:
                    deleted += int(client.unlink(*batch))
                    batch.clear()
            if batch:
                deleted += int(client.unlink(*batch))
        finally:
            client.close()
        return deleted

    def watch_redis(self) -> None:
        self.on_close("chaves do Redis", self._flush_quietly)

    def _flush_quietly(self) -> None:
        self.flush_redis()

    # Servers -----------------------------------------------------------------

    def start(self, server: Server) -> Server:
        self.on_close(server.name, server.stop)
        return server


def _mariadb(statement: str) -> None:
    mariadb_scalar(statement)


def mariadb_scalar(statement: str) -> str:
    """Run one statement as the MariaDB admin; its first value, if any."""
    import asyncio

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def run() -> str:
        engine = create_async_engine(MARIADB_ADMIN_URL)
        try:
            async with engine.connect() as conn:
                result = await conn.execute(text(statement))
                return str(result.scalar()) if result.returns_rows else ""
        finally:
            await engine.dispose()

    return asyncio.run(run())


@contextlib.contextmanager
def interrupts_cleaned(run: Run) -> Iterator[Run]:
    install_signal_handlers()
    try:
        yield run
    except KeyboardInterrupt:
        say("interrompido (Ctrl+C): limpando")
        raise SystemExit(130) from None
    except Interrupted as exc:
        say(f"interrompido ({exc}): limpando")
        raise SystemExit(143) from None
    finally:
        run.close()


# The two servers of a run ----------------------------------------------------


def serve_options() -> str:
    """``expotv serve --help``, to pass only the options this checkout has."""
    result = subprocess.run(
        [str(BIN / "expotv"), "serve", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
        check=False,
    )
    return result.stdout


def has_server_option() -> bool:
    return "--server" in serve_options()


def default_server() -> str:
    """The server ``expotv serve`` runs without ``--server`` (uvicorn before the
    option existed): the ceiling must run on the same one."""
    lines = serve_options().splitlines()
    for index, line in enumerate(lines):
        if "--server" in line:
            text = " ".join(lines[index : index + 4])
            found = re.search(r"default:\s*([a-z]+)", text)
            if found:
                return found.group(1)
    return "uvicorn"


def expotv_env(
    *,
    database_url: str,
    data_dir: Path,
    redis_prefix: str,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Production settings on loopback: MariaDB, Redis, local media, JSON logs."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("EXPOTV_")
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        {
            "EXPOTV_ENVIRONMENT": "production",
            "EXPOTV_DATA_DIR": str(data_dir),
            "EXPOTV_DATABASE_URL": database_url,
            "EXPOTV_REDIS_URL": REDIS_URL,
            "EXPOTV_REDIS_KEY_PREFIX": redis_prefix,
            "EXPOTV_JWT_SECRET": secrets.token_urlsafe(48),
            "EXPOTV_INSTANCE_NAME": "bench",
            # Every client of the bench comes from 127.0.0.1 and a wrk connection
            # pings far more often than a TV: the per-address and per-code caps are
            # raised out of reach (not turned off, so their checks still cost).
            "EXPOTV_WS_MAX_PER_ADDRESS": str(UNREACHABLE),
            "EXPOTV_PING_MAX_PER_CODE_PER_MINUTE": str(UNREACHABLE),
        }
    )
    env.update(extra or {})
    return env


def start_expotv(
    run: Run, env: dict[str, str], *, workers: int, server: str | None, name: str
) -> Server:
    port = free_port()
    command = [
        str(BIN / "expotv"),
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    if server:
        command += ["--server", server]
    started = run.start(
        spawn(name, command, env=env, log_dir=run.workdir / "logs", port=port)
    )
    started.wait_ready("/health/ready")
    return started


def start_ceiling(
    run: Run, *, workers: int, server: str | None, bodies: dict[str, str]
) -> Server:
    """The bare ASGI app (``bench.ceiling``) on the same server and workers, with
    the options ``expotv serve`` gives that server (``expotv.serving``)."""
    port = free_port()
    env = {**os.environ, **bodies}
    listen = ["--host", HOST, "--port", str(port), "--workers", str(workers)]
    listen += ["--backlog", str(BACKLOG)]
    if server == "granian":
        command = [str(BIN / "granian"), "--interface", "asgi", *listen]
        command += ["--ws", "--no-log", "--no-access-log", "bench.ceiling:app"]
    else:
        command = [sys.executable, "-m", "uvicorn", "bench.ceiling:app", *listen]
        command += ["--no-access-log", "--log-level", "warning", "--no-proxy-headers"]
    started = run.start(
        spawn("ceiling", command, env=env, log_dir=run.workdir / "logs", port=port)
    )
    started.wait_ready("/")
    return started
