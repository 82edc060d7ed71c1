"""``make bench``: the service and its ceiling, measured side by side in one run.

    fresh MariaDB database + Redis prefix + work folder (all removed at the end,
    also on Ctrl+C)
      -> migrate, fill the fleet in bulk (``fleet``)
      -> ``expotv serve --workers N`` on loopback; every playlist built once (cold)
      -> the ceiling (``ceiling``) on the same server and workers, answering the
         same body, ping answer and hello
      -> wrk (``wrk``, ``lua/``): content 200 at 64/512/2,000 connections, 304,
         ping, the mixed fleet traffic, GET /anuncios as síndicos, login; each
         next to the ceiling where it has one
      -> WebSocket hello (``ws``), the two uploads (``uploads``)
      -> py-spy flame graphs under content and /anuncios load (``profiles/``)
      -> memory per worker, idle sockets held by another process
      -> a news change: time until every TV gets the new versao
      -> Locust (``locustfile``): 2,000 TVs and dashboard users, zero failures
      -> ``results/<part>.json`` and ``RESULTS.md``

``--sweep`` instead fills 2,000 / 20,000 / 100,000 TVs with 10 / 100 / 1,000 items
per TV and measures a cached request in each cell. The load average is recorded
before and after every phase; above the core count the figures are marked.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import math
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psutil  # type: ignore[import-untyped]
from prometheus_client.parser import text_string_to_metric_families

from bench import client, results, stack, wrk
from bench.fleet import Fleet, FleetSpec, fill, replace_items
from bench.machine import Load, cores, describe
from bench.stack import BIN, HOST, ROOT, Run, Server, say
from bench.uploads import image_file, median, time_uploads, video_file
from bench.ws import hello_load
from expotv.config import Settings

T = TypeVar("T")
PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
PING_SECONDS = 30
# The mixed traffic is paced for this much more than the fleet's rate (see
# ``measure_mixed``).
MIXED_OVERSHOOT = 1.1
# What the Locust dashboard users upload now and then.
SMALL_UPLOAD_BYTES = 64 * 1024


def arun(coro: Coroutine[Any, Any, T]) -> T:
    """On uvloop, as the server runs: the client costs less CPU.

    Ctrl+C and SIGTERM cancel the coroutine and raise ``Interrupted`` (an exception
    raised in a signal handler would be swallowed by the loop), so clean-up runs.
    """
    import uvloop

    async def guarded() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        received: list[int] = []

        def stop(signum: int) -> None:
            received.append(signum)
            task.cancel()

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop, signum)
        try:
            return await coro
        except asyncio.CancelledError:
            if received:
                raise stack.Interrupted(signal.Signals(received[0]).name) from None
            raise
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)

    try:
        return uvloop.run(guarded())
    finally:
        stack.install_signal_handlers()


# What ``--only`` can pick (every one when it is not given).
PHASES = (
    "content",
    "304",
    "ping",
    "mixed",
    "anuncios",
    "login",
    "websocket",
    "uploads",
    "profiles",
    "memory",
    "sockets",
    "rebuild",
    "locust",
)


def wanted(args: argparse.Namespace, phase: str) -> bool:
    """Whether this run measures ``phase`` (``--only``)."""
    return not args.only or phase in args.only


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmark do EXPO TV (issue #15)"
    )
    parser.add_argument(
        "--tvs", type=int, default=2000, help="TVs da frota (padrão 2000)"
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processos do servidor"
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_SERVER") or None,
        help="servidor de `expotv serve --server` (quando a opção existir)",
    )
    parser.add_argument("--seconds", type=float, default=10, help="duração de cada wrk")
    parser.add_argument("--connections", default="64,512,2000")
    parser.add_argument("--uploads", type=int, default=5, help="uploads de cada tipo")
    parser.add_argument("--locust-seconds", type=int, default=60)
    parser.add_argument("--locust-tvs", type=int, default=2000)
    parser.add_argument("--dashboard-users", type=int, default=5)
    parser.add_argument("--no-locust", action="store_true")
    parser.add_argument("--no-profiles", action="store_true")
    parser.add_argument(
        "--idle-sockets",
        type=int,
        default=None,
        help="sockets ociosos a abrir (padrão: 3.000; 10.000 com 20.000 TVs ou mais)",
    )
    parser.add_argument(
        "--sockets-seconds",
        type=float,
        default=120,
        help="tempo para abrir os sockets ociosos",
    )
    parser.add_argument("--sweep", action="store_true", help="varredura de escala")
    parser.add_argument("--sweep-tvs", default="2000,20000,100000")
    parser.add_argument("--sweep-items", default="10,100,1000")
    parser.add_argument(
        "--wait-quiet", type=float, default=0, metavar="SEGUNDOS",
        help="espera até a carga de 1 minuto ficar abaixo do número de núcleos "
        "(no máximo SEGUNDOS) antes de medir",
    )  # fmt: skip
    parser.add_argument(
        "--keep", action="store_true", help="mantém a pasta de trabalho"
    )
    parser.add_argument(
        "--no-save", action="store_true", help="não grava results/ nem RESULTS.md"
    )
    parser.add_argument(
        "--only",
        default="",
        metavar="FASES",
        help="só estas fases, separadas por vírgula ("
        + ", ".join(PHASES)
        + "); implica --no-save",
    )
    args = parser.parse_args(argv)
    args.only = {name.strip() for name in args.only.split(",") if name.strip()}
    if unknown := args.only - set(PHASES):
        parser.error(f"fases desconhecidas: {', '.join(sorted(unknown))}")
    if args.only:
        args.no_save = True
    if not 1 <= args.seconds <= 600:
        parser.error("--seconds entre 1 e 600")
    args.connection_counts = [int(c) for c in args.connections.split(",") if c]
    if args.idle_sockets is None:
        args.idle_sockets = 10_000 if args.tvs >= 20_000 else 3_000
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stack.raise_file_limit()
    wrk.require_wrk()
    if args.server and not stack.has_server_option():
        raise SystemExit("esta versão de `expotv serve` não tem --server")
    # The ceiling runs on the server the service runs on.
    args.ceiling_server = args.server or stack.default_server()
    if args.wait_quiet:
        wait_quiet(args.wait_quiet)
    run = Run(keep_dir=args.keep)
    say(
        f"pasta de trabalho {run.workdir}; banco {run.database_name()}; "
        f"Redis {run.redis_prefix}"
    )
    exit_code = 0
    with stack.interrupts_cleaned(run):
        if args.sweep:
            report = sweep(run, args)
        else:
            report, exit_code = fleet_run(run, args)
        if not args.no_save:
            report.save()
            say(f"resultados: {results.write()}")
    return exit_code


def wait_quiet(seconds: float) -> None:
    """Until the machine's 1-minute load is below its cores, or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    load = Load.now()
    while load.is_busy and time.monotonic() < deadline:
        say(f"carga {load.one} em {cores()} núcleos: esperando a máquina sossegar")
        time.sleep(30)
        load = Load.now()
    if load.is_busy:
        say(f"a carga continua em {load.one}: medindo assim mesmo (marcado)")


# The default run -------------------------------------------------------------


def _settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        data_dir=data_dir,
        jwt_secret=secrets.token_urlsafe(48),
    )


def _server_versions() -> tuple[str, str]:
    import redis

    try:
        mariadb = stack.mariadb_scalar("SELECT VERSION()")
    except Exception:
        mariadb = "?"
    try:
        info = redis.Redis.from_url(stack.REDIS_URL).info("server")
        redis_version = str(info.get("redis_version", "?"))
    except Exception:
        redis_version = "?"
    return mariadb, redis_version


def _report(run: Run, args: argparse.Namespace, part: str) -> results.Report:
    mariadb, redis_version = _server_versions()
    return results.Report(
        part,
        command=" ".join(["python -m bench", *sys.argv[1:]]),
        machine=describe(mariadb=mariadb, redis=redis_version),
        settings={
            "workers": args.workers,
            "server": args.server or f"{args.ceiling_server} (default)",
            "seconds": args.seconds,
            "tvs": args.tvs,
            "stamp": run.stamp,
        },
    )


def _migrate(settings: Settings) -> None:
    import logging

    from expotv.migrate import upgrade

    # MariaDB ignores primary key names: asyncmy logs one warning per table.
    driver = logging.getLogger("asyncmy")
    level = driver.level
    driver.setLevel(logging.ERROR)
    try:
        upgrade(settings)
    finally:
        driver.setLevel(level)


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def _login(base_url: str, email: str, password: str) -> str:
    response = httpx.post(
        f"{base_url}/auth/login", json={"email": email, "senha": password}, timeout=60
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def _show(row: dict[str, Any]) -> None:
    ceiling = row.get("ceiling")
    text = (
        f"{row['operation']} @{row['connections']}: {row['rps']:,.0f} req/s, "
        f"p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms, erros {row['errors']}"
    )
    if row.get("server_cpu_ms") is not None:
        text += f", CPU do servidor {row['server_cpu_ms']:.2f} ms/pedido"
    if row.get("load_before"):
        text += f", carga {row['load_before'][0]}"
    if ceiling:
        text += f" | teto {ceiling['rps']:,.0f} req/s -> razão {row['ratio']:.2f}"
    say(text)


class Bench:
    """The servers and files of one fleet run, and the measurements on them."""

    def __init__(
        self, run: Run, args: argparse.Namespace, report: results.Report
    ) -> None:
        self.run = run
        self.args = args
        self.report = report
        self.workdir = run.workdir
        self.service: Server
        self.ceiling: Server | None = None
        self.fleet: Fleet
        self.etags: dict[str, str] = {}
        self.fleet_file: Path
        self.ceiling_file: Path

    # wrk ----------------------------------------------------------------------

    def http(
        self,
        operation: str,
        lua: str,
        *,
        args: list[str],
        ceiling_args: list[str] | None = None,
        connections: int = 64,
        seconds: float | None = None,
    ) -> dict[str, Any]:
        seconds = seconds or self.args.seconds

        def drive(server: Server, lua_args: list[str]) -> wrk.Measure:
            cpu = server.cpu_seconds()
            measured = wrk.run(
                operation, server.url, lua=lua, args=lua_args, workdir=self.workdir,
                connections=connections, seconds=seconds,
            )  # fmt: skip
            if measured.requests:
                used = server.cpu_seconds() - cpu
                measured.server_cpu_ms = used * 1000 / measured.requests
            return measured

        with self.report.phase(f"{operation} @{connections}") as phase:
            before = served_from(self.service.url)
            measured = drive(self.service, args)
            served = counted_since(before, served_from(self.service.url))
            ceiling = None
            if ceiling_args is not None and self.ceiling is not None:
                ceiling = drive(self.ceiling, ceiling_args)
        row = measured.as_dict()
        row["served_from"] = served
        if ceiling is not None:
            row["ceiling"] = ceiling.as_dict()
            row["ratio"] = measured.rps / ceiling.rps if ceiling.rps else None
        row.update(phase)
        self.report["http"].append(row)
        _show(row)
        return row


# Where the service's playlists and bodies came from (its /metrics counters).
SOURCES = ("memory", "checked", "shared", "built", "last_known")
TAIL_SOURCES = ("memory", "shared")
# Revalidation passes until the workers hold (nearly) every TV, at most.
SETTLE_PASSES = 12
SETTLED_FRACTION = 0.01


def served_from(url: str) -> dict[str, dict[str, float]]:
    """The service's ``expotv_playlist_lookups_total`` and ``_tails_total`` by
    source, summed over its workers."""
    text = httpx.get(f"{url}/metrics", timeout=30).text
    counts: dict[str, dict[str, float]] = {"lookups": {}, "tails": {}}
    names = {"expotv_playlist_lookups": "lookups", "expotv_playlist_tails": "tails"}
    for family in text_string_to_metric_families(text):
        kind = names.get(family.name)
        if kind is None:
            continue
        for sample in family.samples:
            if sample.name.endswith("_total"):
                source = sample.labels["source"]
                counts[kind][source] = counts[kind].get(source, 0.0) + sample.value
    return counts


def counted_since(
    before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]
) -> dict[str, dict[str, int]]:
    return {
        kind: {
            source: round(after[kind].get(source, 0.0) - before[kind].get(source, 0.0))
            for source in (SOURCES if kind == "lookups" else TAIL_SOURCES)
        }
        for kind in ("lookups", "tails")
    }


def settle(
    server: Server, etags: dict[str, str], *, bodies: bool = False
) -> dict[str, Any]:
    """Revalidate every TV (a 304 each; with ``bodies``, ask each body) until
    nearly every request is answered from a copy the worker already holds: the
    steady state of a fleet polling every 30 s, where each worker has seen each
    TV. Right after the warm pass each TV was seen by one worker only; the
    first request for it on another reads its entry (and for a 200 the shared
    part of its body) from the shared cache and keeps it (a first sight,
    counted as ``shared``), which is not the cost of a cached request."""
    codes = list(etags)
    passes: list[float] = []
    started = time.perf_counter()
    for _ in range(SETTLE_PASSES):
        before = served_from(server.url)
        done = arun(
            client.content_pass(
                HOST,
                server.port,
                codes,
                old_etags=None if bodies else etags,
                once=True,
                timeout=3600,
            )
        )
        counts = counted_since(before, served_from(server.url))
        first_sights = counts["lookups"]["shared"] + counts["lookups"]["built"]
        if bodies:
            first_sights += counts["tails"]["shared"]
        passes.append(first_sights / max(done.requests, 1))
        if passes[-1] <= SETTLED_FRACTION:
            break
    seconds = time.perf_counter() - started
    say(
        f"{len(passes)} passagens de revalidação em {seconds:.1f} s: primeiras "
        f"vistas por passagem {', '.join(f'{f:.1%}' for f in passes)}"
    )
    return {"passes": len(passes), "seconds": seconds, "first_sights": passes}


def fleet_run(run: Run, args: argparse.Namespace) -> tuple[results.Report, int]:
    spec = FleetSpec(tvs=args.tvs)
    database_url = run.create_database()
    run.watch_redis()
    report = _report(run, args, f"fleet-{args.tvs}")
    bench = Bench(run, args, report)
    data_dir = run.workdir / "data"
    settings = _settings(database_url, data_dir)

    with report.phase("fill") as phase:
        say(
            f"migrando e preenchendo {spec.tvs:,} TVs em "
            f"{spec.condominiums:,} condomínios"
        )
        started = time.perf_counter()
        _migrate(settings)
        bench.fleet = arun(fill(settings, spec))
        phase["seconds"] = time.perf_counter() - started
    fill_seconds = phase["seconds"]

    env = stack.expotv_env(
        database_url=database_url, data_dir=data_dir, redis_prefix=run.redis_prefix
    )
    bench.service = stack.start_expotv(
        run, env, workers=args.workers, server=args.server, name="expotv"
    )
    report.workers = bench.service.worker_pids
    say(f"expotv serve em {bench.service.url} ({args.workers} workers)")

    with report.phase("warm") as phase:
        warm = arun(
            client.content_pass(
                HOST,
                bench.service.port,
                bench.fleet.codes,
                concurrency=64,
                timeout=3600,
            )
        )
    if warm.unfinished:
        raise SystemExit(f"{warm.unfinished} TVs sem playlist depois do aquecimento")
    bench.etags = warm.etags
    say(
        f"{len(warm.etags):,} playlists construídas em {warm.seconds:.1f} s "
        f"({len(warm.etags) / warm.seconds:,.0f}/s), corpo {warm.body_bytes:,} bytes"
    )
    with report.phase("settle") as phase:
        settled = settle(bench.service, warm.etags)
    report["fleet"] = {
        "tvs": spec.tvs,
        "condominiums": spec.condominiums,
        "ads": spec.ads_per_condominium,
        "notices": spec.notices_per_condominium,
        "news": spec.news,
        "body_bytes": warm.body_bytes,
        "fill_seconds": fill_seconds,
        "warm_seconds": warm.seconds,
        "warm_rps": len(warm.etags) / warm.seconds,
        "settle": {**settled, **phase},
    }
    bench.fleet_file = _write_lines(
        run.workdir / "fleet.txt",
        [f"{code} {etag} {etag.strip(chr(34))}" for code, etag in warm.etags.items()],
    )

    start_ceiling(bench)
    measure_http(bench)
    if wanted(args, "websocket"):
        measure_websocket(bench)
    if wanted(args, "uploads"):
        measure_uploads(bench)
    if not args.no_profiles and wanted(args, "profiles"):
        measure_profiles(bench)
    if wanted(args, "memory"):
        measure_memory(bench, cached=len(warm.etags))
    if args.idle_sockets and wanted(args, "sockets"):
        measure_idle_sockets(bench)
    if wanted(args, "rebuild"):
        measure_rebuild(bench)
    exit_code = 0
    if not args.no_locust and wanted(args, "locust"):
        exit_code = measure_locust(bench)
    return report, exit_code


def start_ceiling(bench: Bench) -> None:
    code = bench.fleet.codes[0]
    service = bench.service.url
    body = httpx.get(f"{service}/app/tv/{code}/content", timeout=30)
    ping = httpx.post(
        f"{service}/app/tv/{code}/ping",
        json={"versao": bench.etags[code].strip('"')},
        timeout=30,
    )
    hello = arun(_first_frame(f"{bench.service.ws_url}/app/tv/{code}/ws"))
    files = {
        "BENCH_CEILING_BODY": _write_bytes(
            bench.workdir / "ceiling-body", body.content
        ),
        "BENCH_CEILING_PING": _write_bytes(
            bench.workdir / "ceiling-ping", ping.content
        ),
        "BENCH_CEILING_HELLO": _write_bytes(
            bench.workdir / "ceiling-hello", hello.encode()
        ),
    }
    etag = body.headers["etag"]
    bench.ceiling = stack.start_ceiling(
        bench.run,
        workers=bench.args.workers,
        server=bench.args.ceiling_server,
        bodies={**{k: str(v) for k, v in files.items()}, "BENCH_CEILING_ETAG": etag},
    )
    bench.ceiling_file = _write_lines(
        bench.workdir / "ceiling-fleet.txt",
        [f"{c} {etag} {etag.strip(chr(34))}" for c in bench.fleet.codes],
    )
    say(
        f"teto (ASGI puro) em {bench.ceiling.url}: corpo de {len(body.content):,} bytes"
    )


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


async def _first_frame(url: str) -> str:
    import websockets

    async with websockets.connect(url, open_timeout=30) as socket:
        return str(await asyncio.wait_for(socket.recv(), 30))


def measure_http(bench: Bench) -> None:
    fleet, ceiling = str(bench.fleet_file), str(bench.ceiling_file)
    args = bench.args
    for connections in args.connection_counts if wanted(args, "content") else []:
        bench.http(
            "content 200",
            "content",
            args=[fleet, "200"],
            ceiling_args=[ceiling, "200"],
            connections=connections,
        )
    if wanted(args, "304"):
        bench.http(
            "content 304",
            "content",
            args=[fleet, "304"],
            ceiling_args=[ceiling, "304"],
        )
    if wanted(args, "ping"):
        bench.http("ping", "ping", args=[fleet], ceiling_args=[ceiling])
    if wanted(args, "mixed"):
        measure_mixed(bench)
    if wanted(args, "anuncios") or wanted(args, "login"):
        measure_dashboard(bench)


def measure_mixed(bench: Bench) -> None:
    fleet = str(bench.fleet_file)

    # Each connection sends one request about every 250 ms, up to 512 of them
    # (100,000 TVs: 6,667 req/s over 512 connections, one every 77 ms). wrk waits
    # its delay after each answer, so a connection's period is the pace plus the
    # answer's latency: the pace is set for a tenth more than the fleet's rate,
    # and the fleet's rate is what the served rate is held to.
    fleet_rps = 2 * len(bench.fleet.codes) / PING_SECONDS
    connections = min(512, max(4, math.ceil(fleet_rps / 4)))
    pace_ms = max(1, math.floor(connections * 1000 / (fleet_rps * MIXED_OVERSHOOT)))
    offered = connections * 1000 / pace_ms
    with bench.report.phase("mixed (paced)") as phase:
        mixed = wrk.run(
            "mixed",
            bench.service.url,
            lua="mixed",
            args=[fleet, str(pace_ms)],
            workdir=bench.workdir,
            connections=connections,
            seconds=max(bench.args.seconds, 15),
        )
    bench.report["mixed"] = {
        **mixed.as_dict(),
        "offered_rps": offered,
        "fleet_rps": fleet_rps,
        **phase,
    }
    say(
        f"misto (frota: {fleet_rps:,.0f} req/s, ritmo de {offered:,.0f}): "
        f"{mixed.rps:,.0f} req/s, p99 {mixed.p99_ms:.1f} ms, erros {mixed.errors}"
    )


def measure_dashboard(bench: Bench) -> None:
    """A síndico's ``GET /anuncios`` page and the login."""
    managers = bench.fleet.managers[:20]
    tokens = [
        _login(bench.service.url, email, bench.fleet.password) for email in managers
    ]
    page = httpx.get(
        f"{bench.service.url}/anuncios?limit=50",
        headers={"Authorization": f"Bearer {tokens[0]}"},
        timeout=30,
    ).json()
    if len(page["items"]) != 50:
        raise SystemExit(
            f"a página de /anuncios tem {len(page['items'])} itens, não 50"
        )
    tokens_file = _write_lines(bench.workdir / "tokens.txt", tokens)
    if wanted(bench.args, "anuncios"):
        # Each síndico's first page on each worker is built (and its session read)
        # once, then kept: two seconds of the same load first, not recorded, so the
        # figures are the steady state's (a write or the list cache's expiry
        # rebuilds one page, on one request).
        wrk.run(
            "GET /anuncios (warm-up)",
            bench.service.url,
            lua="anuncios",
            args=[str(tokens_file)],
            workdir=bench.workdir,
            connections=64,
            seconds=2,
        )
        bench.http("GET /anuncios", "anuncios", args=[str(tokens_file)])
    if wanted(bench.args, "login"):
        emails = _write_lines(bench.workdir / "emails.txt", managers)
        bench.http(
            "login", "login", args=[str(emails), bench.fleet.password], connections=4
        )


def measure_websocket(bench: Bench) -> None:
    codes = bench.fleet.codes
    with bench.report.phase("websocket hello") as phase:
        service = arun(
            hello_load(
                bench.service.ws_url, codes, concurrency=64, seconds=bench.args.seconds
            )
        )
        ceiling = None
        if bench.ceiling is not None:
            ceiling = arun(
                hello_load(
                    bench.ceiling.ws_url,
                    codes,
                    concurrency=64,
                    seconds=bench.args.seconds,
                )
            )
    row = {**service.as_dict(), **phase}
    bench.report["websocket"] = {
        "service": row,
        "ceiling": ceiling.as_dict() if ceiling else None,
        "ratio": service.rps / ceiling.rps if ceiling and ceiling.rps else None,
    }
    say(
        f"WebSocket hello: {service.rps:,.0f} conexões/s, p99 {service.p99_ms:.1f} ms, "
        f"erros {service.errors}" + (f" | teto {ceiling.rps:,.0f}/s" if ceiling else "")
    )


def _condominium_token(bench: Bench) -> tuple[str, int]:
    email = bench.fleet.managers[0]
    return _login(bench.service.url, email, bench.fleet.password), bench.fleet.managed[
        0
    ][0]


def measure_uploads(bench: Bench) -> None:
    token, condominium = _condominium_token(bench)
    uploads: dict[str, Any] = {}
    for key, label, path, content_type in (
        ("image", "2 MB PNG", image_file(), "image/png"),
        ("video", "20 MB H.264 MP4", video_file(), "video/mp4"),
    ):
        with bench.report.phase(f"upload {key}") as phase:
            timings, errors = time_uploads(
                bench.service.url,
                token,
                condominium,
                path,
                content_type,
                count=bench.args.uploads,
            )
        uploads[key] = {
            "label": label,
            "bytes": path.stat().st_size,
            "timings_ms": timings,
            "median_ms": median(timings),
            "errors": errors,
            **phase,
        }
        say(f"upload {label}: mediana {median(timings):,.0f} ms ({errors} erros)")
    bench.report["uploads"] = uploads


def _spy(bench: Bench, name: str, seconds: int) -> tuple[subprocess.Popen[bytes], Path]:
    """py-spy on every worker of the service for ``seconds``: a flame graph."""
    PROFILES_DIR.mkdir(exist_ok=True)
    output = PROFILES_DIR / f"{bench.report.part}-{name}"
    spy = subprocess.Popen(
        [
            str(BIN / "py-spy"),
            "record",
            "--pid",
            str(bench.service.process.pid),
            "--subprocesses",
            "--duration",
            str(seconds),
            "--rate",
            "50",
            "--format",
            "flamegraph",
            "--output",
            str(output),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    bench.run.on_close("py-spy", stack.end(spy))
    return spy, output


def _spied(
    spy: subprocess.Popen[bytes], output: Path, label: str, profiles: list[Any]
) -> None:
    try:
        _, error = spy.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        spy.kill()
        _, error = spy.communicate()
    if spy.returncode == 0 and output.exists():
        profiles.append({"label": label, "file": output.name})
        say(f"perfil: {output}")
    else:
        say(f"aviso: py-spy falhou ({spy.returncode}): {error.decode()[-300:]}")


def _profiling(bench: Bench) -> bool:
    return not bench.args.no_profiles and wanted(bench.args, "profiles")


def measure_profiles(bench: Bench) -> None:
    tokens = str(bench.workdir / "tokens.txt")
    profiles = bench.report.data.setdefault("profiles", [])
    for label, name, lua, args in (
        (
            "content 200 (cache hit), 64 connections",
            "content-hit.svg",
            "content",
            [str(bench.fleet_file), "200"],
        ),
        (
            "GET /anuncios as síndicos, 64 connections",
            "anuncios.svg",
            "anuncios",
            [tokens],
        ),
    ):
        seconds = max(5, round(bench.args.seconds))
        spy, output = _spy(bench, name, seconds)
        wrk.run(
            label,
            bench.service.url,
            lua=lua,
            args=args,
            workdir=bench.workdir,
            connections=64,
            seconds=seconds + 2,
        )
        _spied(spy, output, label, profiles)


def _mib(values: list[int]) -> list[float]:
    return [round(v / 1024 / 1024, 1) for v in values]


def measure_memory(bench: Bench, *, cached: int) -> None:
    """Each worker's RSS right after the traffic, and once it has handed its free
    heap back to the OS (``EXPOTV_MALLOC_TRIM_SECONDS``, every 30 s): the
    second is what it holds while it serves, and what the target is held to."""
    after_traffic = _mib(bench.service.worker_rss())
    time.sleep(Settings.model_fields["malloc_trim_seconds"].default + 1)
    sizes = _mib(bench.service.worker_rss())
    bench.report["memory"] = {
        "cached": cached,
        "pss_mib": _mib(bench.service.worker_pss()),
        "after_traffic_mib": after_traffic,
        "worker_mib": sizes,
        "max_worker_mib": max(sizes, default=0.0),
    }
    say(
        f"memória por worker com {cached:,} playlists em cache: {sizes} MiB "
        f"({after_traffic} MiB logo depois do tráfego)"
    )


def _file_limit(pid: int) -> int | None:
    try:
        soft, _ = psutil.Process(pid).rlimit(psutil.RLIMIT_NOFILE)
    except (psutil.Error, AttributeError):
        return None
    return int(soft)


def measure_idle_sockets(bench: Bench) -> None:
    count = bench.args.idle_sockets
    workers = bench.service.workers()
    before = sum(bench.service.worker_rss())
    with bench.report.phase("idle sockets") as phase:
        holder = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.ws",
                "hold",
                bench.service.ws_url,
                str(bench.fleet_file),
                str(count),
                str(bench.args.sockets_seconds),
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        bench.run.on_close("sockets", stack.end(holder))
        assert holder.stdout is not None
        assert holder.stdin is not None
        ready = holder.stdout.readline().split()
        if not ready or ready[0] != "READY":
            stack.end(holder)()
            say("aviso: o processo dos sockets não ficou pronto")
            return
        opened, failed, skipped = (int(v) for v in ready[1:4])
        open_seconds = float(ready[4])
        time.sleep(3)
        after = sum(bench.service.worker_rss())
        holder.stdin.write("check\n")
        holder.stdin.flush()
        still_open = int(holder.stdout.readline().split()[1])
        holder.stdin.close()
        holder.wait(timeout=120)
    per_socket = (after - before) / still_open if still_open else float("nan")
    available = psutil.virtual_memory().available
    fits = per_socket > 0 and not math.isnan(per_socket)
    bench.report["idle_sockets"] = {
        "asked": count,
        "open": opened,
        "still_open": still_open,
        "failed": failed,
        "skipped": skipped,
        "open_seconds": open_seconds,
        "opened_per_second": opened / open_seconds if open_seconds else None,
        "rss_before_mib": before / 1024 / 1024,
        "rss_after_mib": after / 1024 / 1024,
        "kib_per_socket": per_socket / 1024,
        "fit_in_1_5_gb": int(1.5e9 / per_socket) if fits else None,
        "fit_in_available": int(available / per_socket) if fits else None,
        "available_gib": available / 1024**3,
        "server_file_limit": _file_limit(workers[0].pid) if workers else None,
        **phase,
    }
    say(
        f"{opened:,} sockets abertos em {open_seconds:.0f} s ({failed} falharam, "
        f"{skipped} sem tempo), {still_open:,} ainda abertos: "
        f"{per_socket / 1024:.1f} KiB cada"
    )


def measure_rebuild(bench: Bench) -> None:
    token = _login(bench.service.url, bench.fleet.master, bench.fleet.password)
    codes = bench.fleet.codes
    with bench.report.phase("rebuild") as phase:
        changed = time.perf_counter()
        response = httpx.post(
            f"{bench.service.url}/noticias",
            json={
                "titulo": "Notícia nova do benchmark",
                "resumo": "Todas as TVs mudam.",
            },
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        response.raise_for_status()
        offset = time.perf_counter() - changed
        # The whole rebuild, sampled (py-spy stops at its duration or at the end).
        spy = _spy(bench, "rebuild.svg", 3600) if _profiling(bench) else None
        result = arun(
            client.content_pass(
                HOST,
                bench.service.port,
                codes,
                old_etags=bench.etags,
                concurrency=64,
                timeout=1800,
            )
        )
    if spy is not None:
        spy[0].send_signal(signal.SIGINT)
        _spied(
            *spy,
            f"rebuild of every TV's playlist after a news change ({len(codes):,} TVs)",
            bench.report.data.setdefault("profiles", []),
        )
    finished = result.finished_at
    bench.report["rebuild"] = {
        "tvs": len(codes),
        "concurrency": 64,
        "seconds": offset + finished[-1] if finished else None,
        "half_seconds": offset + finished[len(finished) // 2] if finished else None,
        "requests": result.requests,
        "statuses": {str(k): v for k, v in result.statuses.items()},
        "unfinished": result.unfinished,
        **phase,
    }
    bench.etags.update(result.etags)
    say(
        f"notícia nova: todas as {len(codes):,} TVs com a versão nova em "
        f"{bench.report['rebuild']['seconds'] or float('nan'):.1f} s "
        f"({result.unfinished} sem ela)"
    )


def measure_locust(bench: Bench) -> int:
    args = bench.args
    tvs = min(args.locust_tvs, len(bench.fleet.codes))
    managers = _write_lines(bench.workdir / "managers.txt", bench.fleet.managers)
    condominiums = _write_lines(
        bench.workdir / "condominiums.txt",
        [
            f"{email} {ids[0]}"
            for email, ids in zip(
                bench.fleet.managers, bench.fleet.managed, strict=True
            )
        ],
    )
    small_image = image_file(SMALL_UPLOAD_BYTES)
    prefix = bench.workdir / "locust"
    env = {
        **os.environ,
        "BENCH_FLEET_FILE": str(bench.fleet_file),
        "BENCH_MANAGERS_FILE": str(managers),
        "BENCH_CONDOMINIUMS_FILE": str(condominiums),
        "BENCH_PASSWORD": bench.fleet.password,
        "BENCH_UPLOAD_FILE": str(small_image),
        "BENCH_DASHBOARD_USERS": str(args.dashboard_users),
    }
    command = locust_command(
        bench.service.url,
        users=tvs + args.dashboard_users,
        spawn_rate=max(1, tvs // 10),
        seconds=args.locust_seconds,
        csv_prefix=prefix,
    )
    say(
        f"Locust: {tvs:,} TVs e {args.dashboard_users} usuários do painel "
        f"por {args.locust_seconds} s"
    )
    with bench.report.phase("locust") as phase:
        completed = subprocess.run(
            command,
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=args.locust_seconds + 300,
            check=False,
        )
    rows = read_locust_stats(Path(f"{prefix}_stats.csv"))
    total = next((r for r in rows if r["name"] == "Aggregated"), None)
    bench.report["locust"] = {
        "tvs": tvs,
        "dashboard_users": args.dashboard_users,
        "seconds": args.locust_seconds,
        "exit_code": completed.returncode,
        "requests": total["requests"] if total else 0,
        "failures": total["failures"] if total else None,
        "rows": rows,
        **phase,
    }
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout[-3000:] + completed.stderr[-3000:])
    say(
        f"Locust terminou com código {completed.returncode}: "
        f"{total['requests'] if total else 0:,} pedidos, "
        f"{total['failures'] if total else '?'} falhas"
    )
    return completed.returncode


def locust_command(
    url: str, *, users: int, spawn_rate: int, seconds: float, csv_prefix: Path
) -> list[str]:
    return [
        str(BIN / "locust"),
        "-f",
        str(Path(__file__).resolve().parent / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{seconds}s",
        "--host",
        url,
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
    ]


def read_locust_stats(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []

    def number(value: str) -> float:
        try:
            return float(value)
        except ValueError:
            return float("nan")

    rows = []
    with path.open() as file:
        for row in csv.DictReader(file):
            rows.append(
                {
                    "name": row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "median_ms": number(row["Median Response Time"]),
                    "p95_ms": number(row["95%"]),
                    "p99_ms": number(row["99%"]),
                    "rps": number(row["Requests/s"]),
                }
            )
    return rows


# The scaling sweep -------------------------------------------------------------


def items_spec(tvs: int, items: int) -> FleetSpec:
    """``items`` eligible items per TV: anúncios, avisos and notícias."""
    if items <= 25:
        ads, notices = items // 2, items // 5
    else:
        ads, notices = 20, 5
    return FleetSpec(
        tvs=tvs,
        ads_per_condominium=ads,
        notices_per_condominium=notices,
        news=items - ads - notices,
    )


# Cache at most this much of playlists in a sweep cell (Redis is shared).
SWEEP_CACHE_BYTES = 1_000_000_000
# Each worker keeps every distinct playlist body of a cell, up to this much: the
# sweep measures how a cached request's cost scales, not the default budget
# (EXPOTV_PLAYLIST_BODIES_MAX_BYTES; the fleet runs keep the default).
SWEEP_TAILS_MAX_BYTES = 256 * 1024 * 1024


def sweep(run: Run, args: argparse.Namespace) -> results.Report:
    fleet_sizes = [int(n) for n in args.sweep_tvs.split(",")]
    item_counts = [int(n) for n in args.sweep_items.split(",")]
    report: results.Report | None = None
    cells: list[dict[str, Any]] = []
    run.watch_redis()
    for tvs in fleet_sizes:
        database_url = run.create_database(str(tvs))
        if report is None:
            report = _report(run, args, "sweep")
        data_dir = run.workdir / f"data-{tvs}"
        settings = _settings(database_url, data_dir)
        _migrate(settings)
        fleet: Fleet | None = None
        for items in item_counts:
            spec = items_spec(tvs, items)
            say(f"varredura: {tvs:,} TVs, {items:,} itens por TV")
            if fleet is None:
                fleet = arun(fill(settings, spec))
            else:
                arun(replace_items(settings, spec))
            run.flush_redis()
            cells.append(
                _sweep_cell(
                    run, args, report, fleet, database_url, data_dir, spec, items
                )
            )
    assert report is not None
    report["cells"] = cells
    return report


def _sweep_body_estimate(items: int) -> int:
    """About the bytes of a playlist of ``items`` items (the sweep's first run:
    5,120 bytes for 10, 60,722 for 100, 787,724 for 1,000)."""
    return 1024 + 800 * items


def _sweep_cell(
    run: Run,
    args: argparse.Namespace,
    report: results.Report,
    fleet: Fleet,
    database_url: str,
    data_dir: Path,
    spec: FleetSpec,
    items: int,
) -> dict[str, Any]:
    # A tail per condomínio (its TVs play the same), a little more than the body.
    tails_bytes = min(
        SWEEP_TAILS_MAX_BYTES,
        2 * spec.condominiums * _sweep_body_estimate(items) + 16 * 1024 * 1024,
    )
    env = stack.expotv_env(
        database_url=database_url,
        data_dir=data_dir,
        redis_prefix=run.redis_prefix,
        extra={
            "EXPOTV_PLAYLIST_MAX_NEWS": str(max(spec.news, 1)),
            "EXPOTV_PLAYLIST_BODIES_MAX_BYTES": str(tails_bytes),
        },
    )
    service = stack.start_expotv(
        run,
        env,
        workers=args.workers,
        server=args.server,
        name=f"expotv-{spec.tvs}-{items}",
    )
    report.workers = service.worker_pids
    try:
        first = httpx.get(f"{service.url}/app/tv/{fleet.codes[0]}/content", timeout=120)
        first.raise_for_status()
        body_bytes = len(first.content)
        count = min(len(fleet.codes), max(500, SWEEP_CACHE_BYTES // max(body_bytes, 1)))
        # Whole condomínios (the fleet's codes go condomínio by condomínio): the
        # cell's distinct bodies stay few enough for every worker to hold them,
        # at every fleet size, so the cells differ only by the fleet around them.
        codes = fleet.codes[:count]
        warm = arun(
            client.content_pass(HOST, service.port, codes, concurrency=64, timeout=3600)
        )
        settled = settle(service, warm.etags, bodies=True)
        lines = [f"{c} {e} {e.strip(chr(34))}" for c, e in warm.etags.items()]
        fleet_file = _write_lines(run.workdir / "sweep-fleet.txt", lines)
        # The ceiling with this cell's body: the ratio says whether the cost grew
        # beyond what the bytes themselves cost.
        ceiling = stack.start_ceiling(
            run,
            workers=args.workers,
            server=args.ceiling_server,
            bodies={
                "BENCH_CEILING_BODY": str(
                    _write_bytes(run.workdir / "sweep-body", first.content)
                ),
            },
        )
        with report.phase(f"sweep {spec.tvs} x {items}") as phase:
            before = served_from(service.url)
            measured, ceiling_measured = (
                wrk.run(
                    "content 200",
                    url,
                    lua="content",
                    args=[str(fleet_file), "200"],
                    workdir=run.workdir,
                    connections=64,
                    seconds=args.seconds,
                )  # fmt: skip
                for url in (service.url, ceiling.url)
            )
            # The ceiling ran after the service: these are the service's alone.
            served = counted_since(before, served_from(service.url))
        ceiling.stop()
        sizes = _mib(service.worker_rss())
    finally:
        report.workers = None
        service.stop()
        run.flush_redis()
    cell = {
        "tvs": spec.tvs,
        "items_per_tv": items,
        "body_bytes": body_bytes,
        "warmed": len(warm.etags),
        "warm_rps": len(warm.etags) / warm.seconds if warm.seconds else None,
        "settle": settled,
        "served_from": served,
        "tails_max_mib": round(tails_bytes / 1024 / 1024),
        "rps": measured.rps,
        "p99_ms": measured.p99_ms,
        "errors": measured.errors,
        "ceiling_rps": ceiling_measured.rps,
        "ratio": measured.rps / ceiling_measured.rps if ceiling_measured.rps else None,
        "max_worker_mib": max(sizes, default=0.0),
        "worker_mib": sizes,
        **phase,
    }
    say(
        f"  {measured.rps:,.0f} req/s (teto {ceiling_measured.rps:,.0f}), "
        f"p99 {measured.p99_ms:.1f} ms, corpo "
        f"{body_bytes:,} bytes, {len(warm.etags):,} em cache, workers {sizes} MiB"
    )
    return cell


if __name__ == "__main__":
    sys.exit(main())
