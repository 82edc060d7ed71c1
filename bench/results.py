"""What a run measured, kept per part, and ``bench/RESULTS.md`` drawn from all parts.

    results/fleet-2000.json     ``make bench`` (the default fleet)
    results/fleet-100000.json   ``make bench TVS=100000``
    results/sweep.json          ``make bench SWEEP=1``

Each part carries its date, commit, machine and the load average before and after
every phase, so a part measured on a busy machine says so next to its figures.
RESULTS.md is rewritten from the latest of each part; the text between the
``analysis`` markers is written by people and kept across rewrites.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.machine import BUSY_OTHER_CORES, CpuSample, Load

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
RESULTS_MD = BENCH_DIR / "RESULTS.md"
ANALYSIS_START = "<!-- analysis: kept when RESULTS.md is rewritten -->"
ANALYSIS_END = "<!-- /analysis -->"
README = BENCH_DIR.parent / "README.md"
README_START = "<!-- bench:targets (rewritten by make bench) -->"
README_END = "<!-- /bench:targets -->"

Data = dict[str, Any]


class Report:
    """One part's figures as the run goes."""

    def __init__(
        self, part: str, *, command: str, machine: Data, settings: Data
    ) -> None:
        self.part = part
        self.data: Data = {
            "part": part,
            "date": datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": command,
            "machine": machine,
            "settings": settings,
            "phases": [],
            "http": [],
        }
        # The server's worker pids, when a server runs: a pid gone during a phase
        # is a worker that died (or was killed by its supervisor) and came back.
        self.workers: Callable[[], set[int]] | None = None

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value

    @contextmanager
    def phase(self, name: str) -> Iterator[Data]:
        """Load average before and after ``name``; a warning when above the cores."""
        before = Load.now()
        cpu = CpuSample.now()
        pids = self.workers() if self.workers else set()
        entry: Data = {"name": name, "load_before": before.as_list()}
        try:
            yield entry
        finally:
            after = Load.now()
            entry["load_after"] = after.as_list()
            entry["other_cores"] = CpuSample.now().others_since(cpu)
            entry["busy"] = entry["other_cores"] > BUSY_OTHER_CORES
            if self.workers:
                entry["worker_restarts"] = len(pids - self.workers())
                if entry["worker_restarts"]:
                    sys.stderr.write(
                        f"aviso: {entry['worker_restarts']} worker(s) do servidor "
                        f"morreram durante '{name}'\n"
                    )
            self.data["phases"].append(entry)
            if entry["busy"]:
                sys.stderr.write(
                    f"aviso: outros processos usaram {entry['other_cores']} núcleo(s) "
                    f"em '{name}': números rebaixados\n"
                )

    def save(self, directory: Path = RESULTS_DIR) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.part}.json"
        path.write_text(json.dumps(self.data, indent=1, ensure_ascii=False) + "\n")
        return path


def load_parts(directory: Path = RESULTS_DIR) -> dict[str, Data]:
    parts = {}
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text())
        parts[data["part"]] = data
    return parts


# Formatting -------------------------------------------------------------------


def _n(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def _load(entry: Data) -> str:
    before, after = entry.get("load_before"), entry.get("load_after")
    if not before or not after:
        return "–"
    text = f"{before[0]:.1f}→{after[0]:.1f}"
    if entry.get("busy"):
        others = entry.get("other_cores")
        text = f"**{text}**" + (f" (others {others:.2f} cores)" if others else "")
    if entry.get("worker_restarts"):
        text += f" ⚠ {entry['worker_restarts']} worker(s) died"
    return text


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows), ""]


# Targets ----------------------------------------------------------------------


@dataclass
class Target:
    name: str
    goal: str
    measured: str
    verdict: str
    part: str


def _mb(mib: float | None) -> float | None:
    """MiB (what the bench measures) in MB (what the issue's goals say)."""
    return None if mib is None else mib * 2**20 / 1e6


def _kb(kib: float | None) -> float | None:
    return None if kib is None else kib * 1024 / 1000


def _verdict(value: float | None, goal: float, *, higher_is_better: bool) -> str:
    if value is None or math.isnan(value):
        return "not measured"
    met = value >= goal if higher_is_better else value < goal
    if met:
        return "met"
    if higher_is_better:
        return f"missed: {value / goal:.0%} of the goal" if goal else "missed"
    ratio = value / goal
    # Close misses keep their second decimal (1.0× would read as met).
    return (
        f"missed: {ratio:.2f}× the limit"
        if ratio < 1.1
        else f"missed: {ratio:.1f}× the limit"
    )


def _http(part: Data, operation: str, connections: int | None = None) -> Data | None:
    for row in part.get("http", []):
        if row["operation"] == operation and (
            connections is None or row["connections"] == connections
        ):
            return dict(row)
    return None


def targets(parts: dict[str, Data]) -> list[Target]:
    """The issue's targets, each with the part that measured it."""
    found: list[Target] = []
    small = parts.get("fleet-2000") or {}
    big = parts.get("fleet-100000") or {}
    label_small = "fleet-2000" if small else "–"
    label_big = "fleet-100000" if big else "–"

    for operation, goal in (("content 200", 0.5), ("content 304", 0.5), ("ping", 0.3)):
        row = _http(small, operation, 64)
        ratio = row.get("ratio") if row else None
        found.append(
            Target(
                f"{operation} / ceiling (64 connections)",
                f"≥ {goal}",
                _n(ratio, 2) if ratio is not None else "–",
                _verdict(ratio, goal, higher_is_better=True),
                label_small,
            )
        )
    row = _http(small, "content 200", 512)
    p99 = row["p99_ms"] if row else None
    found.append(
        Target(
            "content 200 p99 at 512 connections",
            "< 100 ms",
            f"{_n(p99, 1)} ms",
            _verdict(p99, 100, higher_is_better=False),
            label_small,
        )
    )
    row = _http(small, "content 200", 2000)
    errors = row["errors"] if row else None
    found.append(
        Target(
            "content 200 errors at 2,000 connections",
            "0",
            _n(errors),
            "not measured"
            if errors is None
            else ("met" if errors == 0 else f"missed: {errors:,} errors"),
            label_small,
        )
    )
    row = _http(small, "GET /anuncios", 64)
    rps, p99 = (row["rps"], row["p99_ms"]) if row else (None, None)
    verdicts = [
        _verdict(rps, 1000, higher_is_better=True),
        _verdict(p99, 100, higher_is_better=False),
    ]
    found.append(
        Target(
            "GET /anuncios (síndico, 50 items)",
            "≥ 1,000 req/s, p99 < 100 ms",
            f"{_n(rps)} req/s, p99 {_n(p99, 1)} ms",
            "met"
            if verdicts == ["met", "met"]
            else "; ".join(v for v in verdicts if v != "met"),
            label_small,
        )
    )
    uploads = small.get("uploads", {})
    for key, name, goal in (
        ("image", "2 MB image upload", 300),
        ("video", "20 MB H.264 upload", 1500),
    ):
        median = uploads.get(key, {}).get("median_ms")
        found.append(
            Target(
                f"{name} (median, end to end)",
                f"≤ {goal:,} ms",
                f"{_n(median)} ms",
                _verdict(median, goal + 1e-9, higher_is_better=False),
                label_small,
            )
        )
    mixed = big.get("mixed") or {}
    if mixed:
        # Older runs paced for the fleet's rate itself and held to 95% of it.
        fleet_rps = mixed.get("fleet_rps")
        wanted = fleet_rps or 0.95 * mixed.get("offered_rps", math.inf)
        ok = (
            mixed.get("rps", 0) >= wanted
            and mixed.get("p99_ms", math.inf) < 100
            and mixed.get("errors", 1) == 0
        )
        asked = (
            f"the fleet's {_n(fleet_rps)} req/s"
            if fleet_rps
            else f"{_n(mixed.get('offered_rps'))} req/s offered"
        )
        measured = (
            f"{_n(mixed.get('rps'))} req/s for {asked}, p99 "
            f"{_n(mixed.get('p99_ms'), 1)} ms, {_n(mixed.get('errors'))} errors"
        )
        verdict = "met" if ok else "missed"
    else:
        measured, verdict = "–", "not measured"
    found.append(
        Target(
            "100,000 TVs on one instance (mixed, paced)",
            "~6,700 req/s, p99 < 100 ms, 0 errors",
            measured,
            verdict,
            label_big,
        )
    )
    worker = (big.get("memory") or {}).get("max_worker_mib")
    found.append(
        Target(
            "memory per worker, 100,000 TVs cached",
            "< 300 MB",
            f"{_n(worker)} MiB ({_n(_mb(worker))} MB)",
            # Held in the goal's own unit: 300 MB is 286.1 MiB.
            _verdict(_mb(worker), 300, higher_is_better=False),
            label_big,
        )
    )
    rebuild = (big.get("rebuild") or {}).get("seconds")
    found.append(
        Target(
            "news change served to all 100,000 TVs",
            "≤ 60 s",
            f"{_n(rebuild, 1)} s",
            _verdict(rebuild, 60 + 1e-9, higher_is_better=False),
            label_big,
        )
    )
    sockets_part, sockets = _best_sockets(parts)
    per_socket = sockets.get("kib_per_socket") if sockets else None
    found.append(
        Target(
            "idle TV socket memory",
            "≤ 15 KB",
            f"{_n(per_socket, 1)} KiB ({_n(_kb(per_socket), 1)} KB)",
            _verdict(_kb(per_socket), 15 + 1e-9, higher_is_better=False),
            sockets_part,
        )
    )
    locust = small.get("locust") or {}
    failures = locust.get("failures")
    found.append(
        Target(
            "Locust: 2,000 TVs + dashboard users",
            "0 failures",
            f"{_n(locust.get('requests'))} requests, {_n(failures)} failures",
            "not measured"
            if failures is None
            else ("met" if failures == 0 else "missed"),
            label_small,
        )
    )
    return found


def _best_sockets(parts: dict[str, Data]) -> tuple[str, Data]:
    for name in ("fleet-100000", "fleet-2000"):
        sockets = parts.get(name, {}).get("idle_sockets")
        if sockets:
            return name, sockets
    return "–", {}


# Rendering --------------------------------------------------------------------


def _part_header(part: Data) -> list[str]:
    machine = part["machine"]
    settings = part["settings"]
    busy = [p["name"] for p in part["phases"] if p.get("busy")]
    lines = [
        f"Measured {part['date']} at commit `{machine.get('commit', '?')}`: "
        f"`{part['command']}`; {settings.get('workers')} worker(s) of "
        f"`expotv serve` ({settings.get('server') or 'default server'}), "
        f"wrk {settings.get('seconds')} s per run, the client on the same 2 cores.",
        "",
    ]
    died = [p["name"] for p in part["phases"] if p.get("worker_restarts")]
    if died:
        lines += [
            f"> **Workers died** (a pid of the server's workers was gone at the end) "
            f"during: {', '.join(died)}. Requests in flight on them failed or waited.",
            "",
        ]
    if busy:
        measured = any("other_cores" in p for p in part["phases"])
        why = (
            f"processes other than the bench's own and its services took more than "
            f"{BUSY_OTHER_CORES} of a core"
            if measured
            else f"the 1-minute load average was above the {machine.get('cores')} cores"
        )
        lines += [
            f"> **Load warning**: {why} during: {', '.join(busy)} (bold in the "
            f"load columns). They took CPU from the server and from wrk: these "
            f"figures are lower than a quiet machine gives.",
            "",
        ]
    return lines


def _after_traffic(memory: Data) -> str:
    sizes = memory.get("after_traffic_mib")
    if not sizes:
        return ""
    text = (
        f", once each worker had handed its free heap back to the OS "
        f"(EXPOTV_MALLOC_TRIM_SECONDS); right after the traffic: "
        f"{', '.join(_n(m) + ' MiB' for m in sizes)}"
    )
    pss = memory.get("pss_mib")
    if pss:
        text += (
            f". Proportional (PSS: the libraries every worker maps counted once "
            f"among them): {', '.join(_n(m) + ' MiB' for m in pss)}; the target "
            "is held to the RSS"
        )
    return text


def _from_memory(row: Data) -> str:
    """The share of playlists (and of bodies, for 200s) a worker answered from
    its own memory during the measurement (``expotv_playlist_*_total``)."""
    served = row.get("served_from")
    if not served:
        return "–"

    def share(counts: dict[str, int]) -> str | None:
        total = sum(counts.values())
        return f"{counts.get('memory', 0) / total:.1%}" if total else None

    shares = [share(served["lookups"]), share(served["tails"])]
    return " / ".join(s for s in shares if s is not None) or "–"


def _settled(fleet: Data) -> str:
    settle = fleet.get("settle")
    if not settle:
        return ""
    passes = ", ".join(f"{f:.1%}" for f in settle["first_sights"])
    return (
        f" Then every TV revalidated (a 304 each) {settle['passes']} time(s) in "
        f"{_n(settle['seconds'], 1)} s, until under 1% of the requests were a "
        f"worker's first sight of a TV (share per pass: {passes}): the steady "
        "state of a fleet polling every 30 s, where each worker has seen each TV."
    )


def _http_table(part: Data) -> list[str]:
    rows = []
    for row in part.get("http", []):
        ceiling = row.get("ceiling") or {}
        rows.append(
            [
                row["operation"],
                _n(row["connections"]),
                _n(row["rps"]),
                _n(row["p50_ms"], 1),
                _n(row["p95_ms"], 1),
                _n(row["p99_ms"], 1),
                _n(row["errors"]),
                _n(ceiling.get("rps")),
                _n(ceiling.get("p99_ms"), 1),
                _n(row.get("ratio"), 2) if row.get("ratio") is not None else "–",
                _from_memory(row),
                _load(row),
            ]
        )
    header = [
        "operation",
        "conns",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "errors",
        "ceiling req/s",
        "ceiling p99 ms",
        "ratio",
        "from memory",
        "load",
    ]
    return _table(header, rows)


def _part_sections(part: Data) -> list[str]:
    lines = _part_header(part)
    fleet = part.get("fleet") or {}
    if fleet:
        lines += [
            f"Fleet: {_n(fleet.get('tvs'))} TVs in "
            f"{_n(fleet.get('condominiums'))} condomínios, "
            f"{_n(fleet.get('ads'))} anúncios and {_n(fleet.get('notices'))} "
            f"avisos per condomínio, {_n(fleet.get('news'))} notícias; a TV's "
            f"playlist body is {_n(fleet.get('body_bytes'))} bytes. Filled in "
            f"{_n(fleet.get('fill_seconds'), 1)} s; every playlist built once "
            f"(cold) in {_n(fleet.get('warm_seconds'), 1)} s "
            f"({_n(fleet.get('warm_rps'))} builds/s).{_settled(fleet)}",
            "",
        ]
    lines += [
        "#### HTTP (wrk)",
        "",
        "*from memory*: the share of the playlists (and, for 200s, of the shared "
        "part of their bodies) a worker answered from its own memory, with no "
        "round trip (`expotv_playlist_lookups_total`, `_tails_total`).",
        "",
        *_http_table(part),
    ]
    mixed = part.get("mixed")
    if mixed:
        lines += [
            f"Mixed fleet traffic (`mixed.lua`, half revalidations, half pings: 2 "
            f"requests per TV per 30 s = {_n(mixed.get('fleet_rps'))} req/s, paced "
            f"for {_n(mixed['offered_rps'])} over "
            f"{_n(mixed['connections'])} connections): {_n(mixed['rps'])} req/s, p50 "
            f"{_n(mixed['p50_ms'], 1)} ms, p99 {_n(mixed['p99_ms'], 1)} ms, "
            f"{_n(mixed['errors'])} errors (load {_load(mixed)}).",
            "",
        ]
    ws = part.get("websocket")
    if ws:
        service, ceiling = ws["service"], ws.get("ceiling") or {}
        lines += [
            "#### WebSocket hello",
            "",
            f"{_n(service['connections'])} clients connecting, reading the hello and "
            f"closing, for {_n(service['seconds'], 0)} s: **{_n(service['rps'])} "
            f"connections/s**, hello p50 {_n(service['p50_ms'], 1)} ms, p99 "
            f"{_n(service['p99_ms'], 1)} ms, {_n(service['errors'])} errors; ceiling "
            f"{_n(ceiling.get('rps'))}/s (ratio {_n(ws.get('ratio'), 2)}; load "
            f"{_load(service)}). The Python client shares the cores: this is a floor.",
            "",
        ]
    uploads = part.get("uploads")
    if uploads:
        rows = [
            [
                value["label"],
                _n(value["bytes"] / 1024 / 1024, 1) + " MiB",
                _n(value["median_ms"]),
                ", ".join(_n(t) for t in value["timings_ms"]),
                _n(value["errors"]),
                _load(value),
            ]
            for value in uploads.values()
        ]
        lines += [
            "#### Uploads (POST /anuncios, end to end, one after another)",
            "",
            *_table(["file", "size", "median ms", "each ms", "errors", "load"], rows),
        ]
    memory = part.get("memory")
    if memory:
        lines += [
            "#### Memory",
            "",
            f"With every one of the {_n(memory['cached'])} playlists cached: RSS per "
            f"worker {', '.join(_n(m) + ' MiB' for m in memory['worker_mib'])} "
            f"(largest {_n(memory['max_worker_mib'])} MiB){_after_traffic(memory)}.",
            "",
        ]
    sockets = part.get("idle_sockets")
    if sockets:
        lines += [
            "#### Idle TV sockets",
            "",
            f"{_n(sockets['open'])} of {_n(sockets.get('asked'))} WebSockets opened by "
            f"a separate process in {_n(sockets.get('open_seconds'))} s "
            f"({_n(sockets.get('opened_per_second'))}/s; {_n(sockets['failed'])} "
            f"failed, {_n(sockets.get('skipped'))} not tried in time), "
            f"{_n(sockets.get('still_open'))} still open when measured: the workers' "
            f"RSS went from "
            f"{_n(sockets['rss_before_mib'])} to {_n(sockets['rss_after_mib'])} MiB, "
            f"**{_n(sockets['kib_per_socket'], 1)} KiB per socket**. At that cost, "
            f"{_n(sockets['fit_in_1_5_gb'])} sockets fit in 1.5 GB and "
            f"{_n(sockets['fit_in_available'])} in the "
            f"{_n(sockets['available_gib'], 1)} GiB this machine had available; "
            f"the server's open-file limit was "
            f"{_n(sockets.get('server_file_limit'))}.",
            "",
        ]
    rebuild = part.get("rebuild")
    if rebuild:
        lines += [
            "#### Rebuild after a news change",
            "",
            f"A Master posts a notícia (every playlist changes); then every one "
            f"of the {_n(rebuild['tvs'])} TVs asks its content with its old ETag "
            f"until it gets the new versao ({_n(rebuild['concurrency'])} at a "
            f"time): the last TV had it **{_n(rebuild['seconds'], 1)} s** after "
            f"the change (half of them by "
            f"{_n(rebuild['half_seconds'], 1)} s; {_n(rebuild['requests'])} requests, "
            f"{_n(rebuild['unfinished'])} never got it; load {_load(rebuild)}). Real "
            f"TVs ask at their next ping (30 s) or when their socket is nudged.",
            "",
        ]
    locust = part.get("locust")
    if locust:
        rows = [
            [
                r["name"],
                _n(r["requests"]),
                _n(r["failures"]),
                _n(r["median_ms"]),
                _n(r["p95_ms"]),
                _n(r["p99_ms"]),
                _n(r["rps"], 1),
            ]
            for r in locust["rows"]
        ]
        lines += [
            f"#### Locust: {_n(locust['tvs'])} TVs and "
            f"{_n(locust['dashboard_users'])} dashboard users, "
            f"{_n(locust['seconds'])} s (exit code {locust['exit_code']})",
            "",
            *_table(
                [
                    "request",
                    "count",
                    "failures",
                    "median ms",
                    "p95 ms",
                    "p99 ms",
                    "req/s",
                ],
                rows,
            ),
        ]
    profiles = part.get("profiles")
    if profiles:
        lines += [
            "#### Profiles",
            "",
            *(f"- {p['label']}: [{p['file']}](profiles/{p['file']})" for p in profiles),
            "",
        ]
    return lines


def _sweep_sections(part: Data) -> list[str]:
    lines = _part_header(part)
    rows = [
        [
            _n(cell["tvs"]),
            _n(cell["items_per_tv"]),
            _n(cell["body_bytes"]),
            _n(cell["warmed"]),
            _n(cell["rps"]),
            _n(cell.get("ceiling_rps")),
            _n(cell.get("ratio"), 2),
            _n(cell["p99_ms"], 1),
            _n(cell["errors"]),
            _from_memory(cell),
            _n(cell["max_worker_mib"]),
            _n(cell.get("warm_rps")),
            _load(cell),
        ]
        for cell in part.get("cells", [])
    ]
    lines += [
        "Content 200 (cache hit) at 64 connections over the cached TVs of each cell, "
        "and the ceiling answering that cell's body; a cell caches every TV unless "
        "their bodies would pass about 1 GB (then whole condomínios, the first "
        "ones). Notícias make up the items beyond 25 "
        "(EXPOTV_PLAYLIST_MAX_NEWS raised to match). Before measuring, every "
        "cached TV is revalidated until each worker holds it (the steady state), "
        "and each worker may keep every distinct body of the cell "
        "(EXPOTV_PLAYLIST_BODIES_MAX_BYTES raised, at most 256 MiB): the sweep "
        "measures how a cached request's cost grows, not the default budget. "
        "*From memory*: playlists / bodies a worker answered with no round trip.",
        "",
        *_table(
            [
                "TVs",
                "items per TV",
                "body bytes",
                "cached TVs",
                "req/s",
                "ceiling req/s",
                "ratio",
                "p99 ms",
                "errors",
                "from memory",
                "largest worker MiB",
                "cold builds/s",
                "load",
            ],
            rows,
        ),
    ]
    return lines


def _targets_table(parts: dict[str, Data]) -> list[str]:
    return _table(
        ["target", "goal", "measured", "verdict", "part"],
        [[t.name, t.goal, t.measured, t.verdict, t.part] for t in targets(parts)],
    )


def _provenance(parts: dict[str, Data]) -> list[str]:
    lines = []
    for name, part in parts.items():
        busy = [p for p in part["phases"] if p.get("busy")]
        if not busy:
            load = "; the machine was quiet (no other process took CPU from it)"
        elif any("other_cores" in p for p in busy):
            worst = max(p.get("other_cores", 0.0) for p in busy)
            load = (
                f"; **taken on a busy machine** (other processes took up to "
                f"{worst:.2f} of {part['machine'].get('cores')} cores): lower than a "
                f"quiet machine gives"
            )
        else:
            worst = max(p.get("load_before", [0])[0] for p in busy)
            load = (
                f"; **taken on a busy machine** (1-minute load up to {worst:.1f} on "
                f"{part['machine'].get('cores')} cores): lower than a quiet machine "
                f"gives"
            )
        lines.append(
            f"- `{name}`: {part['date']}, commit "
            f"`{part['machine'].get('commit')}`{load}."
        )
    return [*lines, ""]


def render(parts: dict[str, Data], analysis: str) -> str:
    lines = [
        "# EXPO TV: benchmark results",
        "",
        "Written by `make bench` (`bench/`); the figures of each part come from the "
        "latest run of that part. Every run starts the real service "
        "(`expotv serve`, MariaDB, Redis, the real middleware) and, in the same run, "
        "a bare ASGI app answering bodies of the same size on the same server and "
        "workers (the *ceiling*); ratios are service / ceiling.",
        "",
        "## Targets (issue #15)",
        "",
        *_targets_table(parts),
        *_provenance(parts),
    ]
    machine = next(iter(parts.values()))["machine"] if parts else {}
    if machine:
        packages = ", ".join(f"{k} {v}" for k, v in machine.get("packages", {}).items())
        lines += [
            "## Machine",
            "",
            f"{machine.get('cpu')}, {machine.get('cores')} cores, "
            f"{machine.get('memory_gib')} GiB, Linux {machine.get('kernel')}, Python "
            f"{machine.get('python')}, {machine.get('wrk')}, MariaDB "
            f"{machine.get('mariadb')}, Redis {machine.get('redis')}; {packages}.",
            "",
        ]
    titles = {
        "fleet-2000": "Default fleet: 2,000 TVs (`make bench`)",
        "fleet-100000": "100,000 TVs on one instance (`make bench TVS=100000`)",
    }
    for name, part in parts.items():
        if name == "sweep":
            continue
        lines += [f"## {titles.get(name, name)}", "", *_part_sections(part)]
    if "sweep" in parts:
        lines += [
            "## Scaling sweep (`make bench SWEEP=1`)",
            "",
            *_sweep_sections(parts["sweep"]),
        ]
    lines += ["## Analysis", "", ANALYSIS_START, analysis.strip(), ANALYSIS_END, ""]
    return "\n".join(lines)


def kept_analysis(path: Path = RESULTS_MD) -> str:
    if not path.exists():
        return ""
    text = path.read_text()
    start, end = text.find(ANALYSIS_START), text.find(ANALYSIS_END)
    if start < 0 or end < start:
        return ""
    return text[start + len(ANALYSIS_START) : end]


def write(
    directory: Path = RESULTS_DIR, target: Path = RESULTS_MD, readme: Path = README
) -> Path:
    """RESULTS.md from the parts, and the targets table in the README."""
    parts = load_parts(directory)
    target.write_text(render(parts, kept_analysis(target)))
    update_readme(parts, readme)
    return target


def update_readme(parts: dict[str, Data], readme: Path = README) -> None:
    if not readme.exists():
        return
    text = readme.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return
    table = "\n".join([*_targets_table(parts), *_provenance(parts)]).strip()
    readme.write_text(
        text[: start + len(README_START)] + "\n" + table + "\n" + text[end:]
    )


if __name__ == "__main__":
    sys.stdout.write(f"{write()}\n")
