"""Load test in the spirit of a Locust file: a fleet of virtual TVs against a local app.

    uv run python -m bench.load [--tvs 2000] [--seconds 60] [--ping-every 5]
                                [--change-every 10]

Each virtual TV fetches its playlist, then pings every ``--ping-every`` seconds
(the real app: 30) and refetches with ``If-None-Match`` whenever the ping's versao
differs from the one it plays. With ``--change-every`` a Master publishes a notícia
at that period, so every TV's playlist changes at once (the worst case for the
cache). Prints per-request figures and how many 5xx the TVs saw (the goal: none).
Localhost only, fixed duration.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass, field

import httpx
from sqlalchemy import insert

from bench.common import (
    Result,
    bench_settings,
    report,
    require_loopback,
    seed,
    serve,
)
from expotv.auth.passwords import hash_password
from expotv.config import Settings
from expotv.db import create_engine
from expotv.users.models import Role, User

MASTER_EMAIL = "bench@example.com"
MASTER_PASSWORD = "senha-do-benchmark"


@dataclass
class Stats:
    content: Result = field(default_factory=lambda: Result("content (200)"))
    revalidated: Result = field(default_factory=lambda: Result("content (304)"))
    ping: Result = field(default_factory=lambda: Result("ping"))
    changes: Result = field(default_factory=lambda: Result("POST /noticias"))
    versions_seen: int = 0

    def all(self) -> list[Result]:
        return [self.content, self.revalidated, self.ping, self.changes]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tvs", type=int, default=2000)
    parser.add_argument("--tvs-per-condominium", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--ping-every", type=float, default=5.0)
    parser.add_argument("--change-every", type=float, default=0.0, help="0: nunca")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1, help="processos do uvicorn")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    require_loopback(args.host)
    if not 1 <= args.seconds <= 900:
        parser.error("--seconds entre 1 e 900")
    return args


def _record(result: Result, started: float, response: httpx.Response | None) -> None:
    if response is None:
        result.failures += 1
        return
    result.latencies.append(time.perf_counter() - started)
    result.statuses[response.status_code] += 1


async def _send(
    client: httpx.AsyncClient, method: str, url: str, **kw: object
) -> httpx.Response | None:
    try:
        return await client.request(method, url, **kw)  # type: ignore[arg-type]
    except httpx.HTTPError:
        return None


async def tv_loop(
    client: httpx.AsyncClient,
    code: str,
    stats: Stats,
    *,
    deadline: float,
    ping_every: float,
    rng: random.Random,
) -> None:
    # Spread the fleet's start like TVs switched on at different moments.
    await asyncio.sleep(rng.uniform(0, ping_every))
    etag: str | None = None
    version: str | None = None
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        headers = {"If-None-Match": etag} if etag else {}
        response = await _send(
            client, "GET", f"/app/tv/{code}/content", headers=headers
        )
        if response is not None and response.status_code == 304:
            _record(stats.revalidated, started, response)
        else:
            _record(stats.content, started, response)
            if response is not None and response.status_code == 200:
                etag = response.headers.get("etag")
                version = response.json()["versao"]
                stats.versions_seen += 1
        while time.perf_counter() < deadline:
            await asyncio.sleep(ping_every)
            started = time.perf_counter()
            response = await _send(
                client, "POST", f"/app/tv/{code}/ping", json={"versao": version}
            )
            _record(stats.ping, started, response)
            if (
                response is not None
                and response.status_code == 200
                and response.json()["versao"] != version
            ):
                break


async def change_loop(
    client: httpx.AsyncClient, stats: Stats, *, deadline: float, every: float
) -> None:
    response = await client.post(
        "/auth/login", json={"email": MASTER_EMAIL, "senha": MASTER_PASSWORD}
    )
    response.raise_for_status()
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    n = 0
    while time.perf_counter() + every < deadline:
        await asyncio.sleep(every)
        n += 1
        started = time.perf_counter()
        response = await _send(
            client,
            "POST",
            "/noticias",
            json={"titulo": f"Notícia da carga {n}"},
            headers=headers,
        )
        _record(stats.changes, started, response)


async def add_master(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(User).values(
                    name="Benchmark",
                    email=MASTER_EMAIL,
                    password_hash=hash_password(MASTER_PASSWORD),
                    role=Role.ADMIN,
                )
            )
    finally:
        await engine.dispose()


async def run_fleet(base_url: str, codes: list[str], args: argparse.Namespace) -> Stats:
    stats = Stats()
    limits = httpx.Limits(
        max_connections=args.connections, max_keepalive_connections=args.connections
    )
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=30
    ) as client:
        deadline = time.perf_counter() + args.seconds
        tasks = [
            tv_loop(
                client,
                code,
                stats,
                deadline=deadline,
                ping_every=args.ping_every,
                rng=random.Random(n),
            )
            for n, code in enumerate(codes)
        ]
        if args.change_every > 0:
            tasks.append(
                change_loop(client, stats, deadline=deadline, every=args.change_every)
            )
        started = time.perf_counter()
        await asyncio.gather(*tasks)
        for result in stats.all():
            result.seconds = time.perf_counter() - started
    return stats


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    condominiums = max(1, args.tvs // args.tvs_per_condominium)
    with bench_settings(args.database_url) as settings:

        async def prepare() -> list[str]:
            fleet = await seed(
                settings,
                condominiums=condominiums,
                tvs_per_condominium=args.tvs_per_condominium,
                ads_per_condominium=8,
                notices_per_condominium=3,
                news=12,
            )
            await add_master(settings)
            return fleet.codes

        codes = asyncio.run(prepare())
        sys.stdout.write(
            f"{len(codes)} TVs, ping a cada {args.ping_every:g} s, "
            f"{args.seconds:g} s de carga"
            + (
                f", uma notícia a cada {args.change_every:g} s"
                if args.change_every
                else ""
            )
            + "\n\n"
        )
        with serve(settings, host=args.host, workers=args.workers) as base_url:
            stats = asyncio.run(run_fleet(base_url, codes, args))
    report(stats.all())
    server_errors = sum(r.errors for r in stats.all()[:3])
    sys.stdout.write(
        f"\nplaylists recebidas: {stats.versions_seen}; "
        f"erros vistos pelas TVs (5xx ou falha de conexão): {server_errors}\n"
    )


if __name__ == "__main__":
    main()
