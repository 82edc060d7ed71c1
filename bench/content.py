"""Benchmark of the TV hot paths: cached content (200), revalidation (304), ping.

    uv run python -m bench.content [--seconds 10] [--concurrency 32] [--tvs 2000]

Seeds a fresh database (SQLite in a temporary folder unless ``--database-url``),
serves the app on uvicorn at 127.0.0.1 and prints requests/s and p50/p95/p99
latency per scenario. The client runs in this process, so on a small machine the
figures are a floor for the server, not a ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time

import httpx

from bench.common import (
    Result,
    bench_settings,
    hammer,
    report,
    require_loopback,
    seed,
    serve,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="por cenário")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--tvs", type=int, default=2000)
    parser.add_argument("--tvs-per-condominium", type=int, default=10)
    parser.add_argument("--ads", type=int, default=8, help="anúncios por condomínio")
    parser.add_argument("--notices", type=int, default=3, help="avisos por condomínio")
    parser.add_argument("--news", type=int, default=12)
    parser.add_argument("--workers", type=int, default=1, help="processos do uvicorn")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--database-url",
        default=None,
        help="banco vazio a usar (padrão: SQLite temporário)",
    )
    args = parser.parse_args(argv)
    require_loopback(args.host)
    if not 1 <= args.seconds <= 300:
        parser.error("--seconds entre 1 e 300")
    return args


async def warm(
    base_url: str, codes: list[str], concurrency: int
) -> tuple[Result, dict[str, str]]:
    """Fetch every TV's playlist once (each a cache miss: the build cost)."""
    result = Result("content (miss, build)")
    etags: dict[str, str] = {}
    queue = list(codes)
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

        async def worker() -> None:
            while queue:
                code = queue.pop()
                started = time.perf_counter()
                response = await client.get(f"/app/tv/{code}/content")
                result.latencies.append(time.perf_counter() - started)
                result.statuses[response.status_code] += 1
                etags[code] = response.headers.get("etag", "")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result, etags


async def measure(
    base_url: str, codes: list[str], args: argparse.Namespace
) -> list[Result]:
    cold, etags = await warm(base_url, codes, args.concurrency)

    async def cached(client: httpx.AsyncClient, rng: random.Random) -> httpx.Response:
        return await client.get(f"/app/tv/{rng.choice(codes)}/content")

    async def revalidate(
        client: httpx.AsyncClient, rng: random.Random
    ) -> httpx.Response:
        code = rng.choice(codes)
        return await client.get(
            f"/app/tv/{code}/content", headers={"If-None-Match": etags[code]}
        )

    async def ping(client: httpx.AsyncClient, rng: random.Random) -> httpx.Response:
        return await client.post(
            f"/app/tv/{rng.choice(codes)}/ping",
            json={"app_versao": "1.0.0", "resolucao": "1920x1080"},
        )

    results = [cold]
    for name, request in (
        ("content (cache hit, 200)", cached),
        ("content (If-None-Match, 304)", revalidate),
        ("ping", ping),
    ):
        results.append(
            await hammer(
                name,
                base_url,
                request,
                seconds=args.seconds,
                concurrency=args.concurrency,
            )
        )
    return results


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    condominiums = max(1, args.tvs // args.tvs_per_condominium)
    # Migrations run their own event loop: outside asyncio.run.
    with bench_settings(args.database_url) as settings:
        fleet = asyncio.run(
            seed(
                settings,
                condominiums=condominiums,
                tvs_per_condominium=args.tvs_per_condominium,
                ads_per_condominium=args.ads,
                notices_per_condominium=args.notices,
                news=args.news,
            )
        )
        sys.stdout.write(
            f"{len(fleet.codes)} TVs em {condominiums} condomínios; "
            f"{args.concurrency} clientes; {args.seconds:.0f} s por cenário; "
            f"{args.workers} worker(s) do uvicorn\n\n"
        )
        with serve(settings, host=args.host, workers=args.workers) as base_url:
            results = asyncio.run(measure(base_url, fleet.codes, args))
    report(results)


if __name__ == "__main__":
    main()
