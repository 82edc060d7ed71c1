"""What the benchmarks share: a seeded database, the app on uvicorn (loopback only),
and latency figures.

Nothing here is part of the test suite; every run is bounded in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from expotv.ads.models import Ad, ad_condominium
from expotv.condominiums.models import Condominium
from expotv.config import Environment, Settings
from expotv.content import ContentStatus, MediaKind
from expotv.db import create_engine, utcnow
from expotv.migrate import upgrade
from expotv.news.models import NewsItem
from expotv.notices.models import Notice, notice_condominium
from expotv.tvs.codes import generate_code
from expotv.tvs.models import TV


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
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Fleet:
    codes: list[str]


async def seed(
    settings: Settings,
    *,
    condominiums: int,
    tvs_per_condominium: int,
    ads_per_condominium: int,
    notices_per_condominium: int,
    news: int,
) -> Fleet:
    """Fill an empty, migrated database with a fleet of TVs and their content."""
    engine = create_engine(settings)
    now = utcnow()
    codes: set[str] = set()
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(NewsItem),
                [
                    {
                        "title": f"Notícia {n}",
                        "summary": "Resumo da notícia para o benchmark.",
                        "status": ContentStatus.ACTIVE,
                        "duration_seconds": 10,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(news)
                ],
            )
            for c in range(condominiums):
                result = await conn.execute(
                    insert(Condominium).values(
                        name=f"Condomínio {c}",
                        address="",
                        created_at=now,
                        updated_at=now,
                    )
                )
                condo_id = result.inserted_primary_key[0]
                rows = []
                for t in range(tvs_per_condominium):
                    code = generate_code()
                    while code in codes:
                        code = generate_code()
                    codes.add(code)
                    rows.append(
                        {
                            "code": code,
                            "name": f"TV {c}-{t}",
                            "condominium_id": condo_id,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                await conn.execute(insert(TV), rows)
                for a in range(ads_per_condominium):
                    ad = await conn.execute(
                        insert(Ad).values(
                            name=f"Anúncio {c}-{a}",
                            status=ContentStatus.ACTIVE,
                            requested_status=ContentStatus.ACTIVE,
                            media_kind=MediaKind.IMAGE,
                            archive_url=f"/media/imagem/2026/01/01/{secrets.token_hex(16)}.png",
                            thumbnail_url=None,
                            duration_seconds=10,
                            expires_at=now + timedelta(days=30),
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    await conn.execute(
                        insert(ad_condominium).values(
                            ad_id=ad.inserted_primary_key[0], condominium_id=condo_id
                        )
                    )
                for n in range(notices_per_condominium):
                    notice = await conn.execute(
                        insert(Notice).values(
                            name=f"Aviso {c}-{n}",
                            message="A piscina fecha para manutenção na segunda.",
                            status=ContentStatus.ACTIVE,
                            requested_status=ContentStatus.ACTIVE,
                            duration_seconds=15,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    await conn.execute(
                        insert(notice_condominium).values(
                            notice_id=notice.inserted_primary_key[0],
                            condominium_id=condo_id,
                        )
                    )
    finally:
        await engine.dispose()
    return Fleet(codes=sorted(codes))


@contextlib.contextmanager
def bench_settings(database_url: str | None) -> Iterator[Settings]:
    with tempfile.TemporaryDirectory(prefix="expotv-bench-") as tmp:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            environment=Environment.TEST,
            data_dir=Path(tmp),
            database_url=database_url,
            jwt_secret=secrets.token_urlsafe(48),
            run_jobs=False,
            log_level="WARNING",
        )
        upgrade(settings)
        yield settings


@contextlib.contextmanager
def serve(settings: Settings, *, host: str, workers: int = 1) -> Iterator[str]:
    """The app on uvicorn in a child process; yields its base URL."""
    require_loopback(host)
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "EXPOTV_ENVIRONMENT": settings.environment.value,
            "EXPOTV_DATA_DIR": str(settings.data_dir),
            "EXPOTV_JWT_SECRET": settings.signing_key,
            "EXPOTV_RUN_JOBS": "false",
            "EXPOTV_LOG_LEVEL": "WARNING",
        }
    )
    if settings.database_url:
        env["EXPOTV_DATABASE_URL"] = settings.database_url
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "expotv.main:create_app",
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env=env)
    base_url = f"http://{host}:{port}"
    try:
        _wait_ready(base_url, process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("o servidor não subiu (veja o erro acima)")
        try:
            if httpx.get(f"{base_url}/health/live", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("o servidor não respondeu em 60 s")


@dataclass
class Result:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def errors(self) -> int:
        """Transport failures and 5xx answers."""
        return self.failures + sum(n for s, n in self.statuses.items() if s >= 500)

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index] * 1000


Request = Callable[[httpx.AsyncClient, random.Random], Awaitable[httpx.Response]]


async def hammer(
    name: str,
    base_url: str,
    request: Request,
    *,
    seconds: float,
    concurrency: int,
    seed: int = 1,
) -> Result:
    """``concurrency`` clients sending ``request`` back to back for ``seconds``."""
    result = Result(name)
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency
    )
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=30
    ) as client:
        deadline = time.perf_counter() + seconds

        async def worker(n: int) -> None:
            rng = random.Random(seed * 1000 + n)
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = await request(client, rng)
                except httpx.HTTPError:
                    result.failures += 1
                    continue
                result.latencies.append(time.perf_counter() - started)
                result.statuses[response.status_code] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result


def report(results: list[Result]) -> None:
    header = (
        f"{'cenário':<28}{'pedidos':>9}{'req/s':>10}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'erros':>7}  status"
    )
    out = sys.stdout
    out.write(header + "\n")
    out.write("-" * len(header) + "\n")
    for r in results:
        rate = r.requests / r.seconds if r.seconds else 0.0
        statuses = ", ".join(f"{s}×{n}" for s, n in sorted(r.statuses.items()))
        out.write(
            f"{r.name:<28}{r.requests:>9}{rate:>10.0f}"
            f"{r.percentile(50):>9.2f}{r.percentile(95):>9.2f}"
            f"{r.percentile(99):>9.2f}{r.errors:>7}  {statuses}\n"
        )
