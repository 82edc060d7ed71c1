"""TV WebSockets: the hello under load, and what idle sockets cost the server.

    hello_load   clients that connect, read the hello frame, close, again:
                 connections per second and connect-to-hello latency
    hold         (``python -m bench.ws hold URL CODES N SECONDS``, a process of its
                 own) opens up to N sockets as TVs do within SECONDS, each waiting
                 for its hello, prints ``READY <open> <failed> <skipped> <seconds>``,
                 answers ``check`` with ``OPEN <still open>``, and holds them
                 until its stdin closes

Clients offer permessage-deflate as browsers do (websockets' default).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from pathlib import Path

import websockets

from bench.stack import raise_file_limit
from bench.wrk import Measure


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


async def hello_load(
    ws_url: str, codes: list[str], *, concurrency: int, seconds: float
) -> Measure:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(n: int) -> None:
        nonlocal errors
        i = n
        while time.perf_counter() < deadline:
            code = codes[i % len(codes)]
            i += concurrency
            started = time.perf_counter()
            try:
                async with websockets.connect(
                    f"{ws_url}/app/tv/{code}/ws", open_timeout=10, close_timeout=2
                ) as socket:
                    message = await asyncio.wait_for(socket.recv(), 10)
                    if '"conectado"' not in str(message):
                        errors += 1
                        continue
                    latencies.append(time.perf_counter() - started)
            except (OSError, TimeoutError, websockets.WebSocketException):
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    return Measure(
        operation="WebSocket hello",
        connections=concurrency,
        requests=len(latencies),
        seconds=elapsed,
        rps=len(latencies) / elapsed if elapsed else 0.0,
        p50_ms=_percentile(latencies, 50) * 1000,
        p95_ms=_percentile(latencies, 95) * 1000,
        p99_ms=_percentile(latencies, 99) * 1000,
        errors=errors,
        error_detail={"failed": errors},
    )


async def hold(ws_url: str, codes: list[str], count: int, seconds: float) -> None:
    """Open up to ``count`` sockets within ``seconds``; then answer ``check`` lines
    on stdin with ``OPEN <n>`` (those still open) until stdin closes."""
    from websockets.protocol import State

    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    sockets: list[websockets.ClientConnection] = []
    failed = skipped = 0
    gate = asyncio.Semaphore(100)

    async def open_one(n: int) -> None:
        nonlocal failed, skipped
        code = codes[n % len(codes)]
        async with gate:
            if loop.time() > deadline:
                skipped += 1
                return
            try:
                socket = await websockets.connect(
                    f"{ws_url}/app/tv/{code}/ws", open_timeout=60, ping_interval=None
                )
                await asyncio.wait_for(socket.recv(), 60)
                sockets.append(socket)
            except (OSError, TimeoutError, websockets.WebSocketException):
                failed += 1

    started = loop.time()
    await asyncio.gather(*(open_one(n) for n in range(count)))
    elapsed = loop.time() - started
    sys.stdout.write(f"READY {len(sockets)} {failed} {skipped} {elapsed:.1f}\n")
    sys.stdout.flush()
    while await loop.run_in_executor(None, sys.stdin.readline):
        still_open = sum(1 for socket in sockets if socket.state is State.OPEN)
        sys.stdout.write(f"OPEN {still_open}\n")
        sys.stdout.flush()
    for socket in sockets:
        with contextlib.suppress(Exception):
            await socket.close()


def main(argv: list[str]) -> None:
    if len(argv) != 5 or argv[0] != "hold":
        raise SystemExit(
            "uso: python -m bench.ws hold WS_URL ARQUIVO_DE_CODIGOS N SEGUNDOS"
        )
    raise_file_limit()
    codes = [line.split()[0] for line in Path(argv[2]).read_text().splitlines() if line]
    asyncio.run(hold(argv[1], codes, int(argv[3]), float(argv[4])))


if __name__ == "__main__":
    main(sys.argv[1:])
