"""RESULTS.md from the parts: targets with their verdicts, load warnings, and the
people's analysis kept across rewrites (no timing here: synthetic figures)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from bench.run import items_spec

from bench import results


def _row(operation: str, connections: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "operation": operation,
        "connections": connections,
        "requests": 1000,
        "seconds": 10.0,
        "rps": 100.0,
        "p50_ms": 5.0,
        "p95_ms": 8.0,
        "p99_ms": 9.0,
        "errors": 0,
        "error_detail": {},
        "load_before": [1.0, 1.0, 1.0],
        "load_after": [1.0, 1.0, 1.0],
        "busy": False,
    }
    row.update(values)
    return row


def _part(**values: Any) -> dict[str, Any]:
    part: dict[str, Any] = {
        "part": "fleet-2000",
        "date": "2026-12-06T13:00:00+00:00",
        "command": "make bench",
        "machine": {"cores": 2, "commit": "abc1234", "packages": {}},
        "settings": {"workers": 2, "seconds": 10},
        "phases": [],
        "http": [],
    }
    part.update(values)
    return part


def _verdicts(parts: dict[str, Any]) -> dict[str, str]:
    return {t.name: t.verdict for t in results.targets(parts)}


def test_ratios_below_the_goal_say_by_how_much() -> None:
    part = _part(
        http=[
            _row("content 200", 64, ratio=0.25),
            _row("content 304", 64, ratio=0.75),
            _row("content 200", 512, p99_ms=250.0),
            _row("content 200", 2000, errors=12),
            _row("GET /anuncios", 64, rps=1500.0, p99_ms=40.0),
        ]
    )

    verdicts = _verdicts({"fleet-2000": part})

    assert (
        verdicts["content 200 / ceiling (64 connections)"] == "missed: 50% of the goal"
    )
    assert verdicts["content 304 / ceiling (64 connections)"] == "met"
    assert verdicts["ping / ceiling (64 connections)"] == "not measured"
    assert verdicts["content 200 p99 at 512 connections"] == "missed: 2.5× the limit"
    assert verdicts["content 200 errors at 2,000 connections"] == "missed: 12 errors"
    assert verdicts["GET /anuncios (síndico, 50 items)"] == "met"


def test_the_100k_targets_come_from_their_own_part() -> None:
    big = _part(
        part="fleet-100000",
        mixed={"rps": 6600.0, "offered_rps": 6650.0, "p99_ms": 80.0, "errors": 0},
        memory={"max_worker_mib": 420.0},
        rebuild={"seconds": 30.0},
        idle_sockets={"kib_per_socket": 40.0},
    )

    verdicts = _verdicts({"fleet-100000": big})

    assert verdicts["100,000 TVs on one instance (mixed, paced)"] == "met"
    assert verdicts["memory per worker, 100,000 TVs cached"] == "missed: 1.5× the limit"
    assert verdicts["news change served to all 100,000 TVs"] == "met"
    assert verdicts["idle TV socket memory"] == "missed: 2.7× the limit"


def test_memory_goals_are_held_in_their_own_units() -> None:
    """300 MB is 286.1 MiB, 15 KB 14.6 KiB: a worker of 290 MiB misses."""
    big = _part(
        part="fleet-100000",
        memory={"max_worker_mib": 290.0},
        idle_sockets={"kib_per_socket": 14.8},
    )
    verdicts = _verdicts({"fleet-100000": big})
    assert (
        verdicts["memory per worker, 100,000 TVs cached"] == "missed: 1.01× the limit"
    )
    assert verdicts["idle TV socket memory"] == "missed: 1.01× the limit"
    below = _part(part="fleet-100000", memory={"max_worker_mib": 286.0})
    assert (
        _verdicts({"fleet-100000": below})["memory per worker, 100,000 TVs cached"]
        == "met"
    )


def test_a_busy_machine_is_flagged_and_the_analysis_is_kept(tmp_path: Path) -> None:
    directory = tmp_path / "results"
    report = results.Report(
        "fleet-2000", command="make bench", machine={"cores": 2}, settings={}
    )
    report["http"].append(_row("ping", 64, busy=True, load_before=[9.0, 9, 9]))
    report["phases"].append({"name": "ping @64", "busy": True})
    report.save(directory)
    target = tmp_path / "RESULTS.md"
    target.write_text(
        f"old\n{results.ANALYSIS_START}\nThe hub bounds it.\n{results.ANALYSIS_END}\n"
    )

    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{results.README_START}\nold\n{results.README_END}\nrest\n")
    results.write(directory, target, readme)
    text = target.read_text()

    assert "Load warning" in text
    assert "ping @64" in text
    assert "**9.0→1.0**" in text
    assert "The hub bounds it." in text
    assert "old" not in text.splitlines()
    readme_text = readme.read_text()
    assert "| ping / ceiling (64 connections) |" in readme_text
    assert "busy machine" in readme_text
    assert "old" not in readme_text.splitlines()
    assert readme_text.endswith("rest\n")


def test_sweep_cells_hold_the_items_asked_for() -> None:
    for items in (10, 100, 1000):
        spec = items_spec(2000, items)
        assert spec.items_per_tv == items


def test_the_sweep_shows_each_cell_beside_its_ceiling() -> None:
    cell = {
        "tvs": 20000,
        "items_per_tv": 100,
        "body_bytes": 50000,
        "warmed": 20000,
        "rps": 300.0,
        "ceiling_rps": 3000.0,
        "ratio": 0.1,
        "p99_ms": 80.0,
        "errors": 0,
        "max_worker_mib": 250.0,
        "warm_rps": 90.0,
    }
    sweep = _part(part="sweep", cells=[cell])

    text = results.render({"sweep": sweep}, "")

    assert "| 20,000 | 100 | 50,000 | 20,000 | 300 | 3,000 | 0.10 | 80.0 | 0 |" in text


def test_a_row_says_how_much_a_worker_answered_from_its_own_memory() -> None:
    row = {
        "served_from": {
            "lookups": {"memory": 990, "checked": 0, "shared": 10, "built": 0},
            "tails": {"memory": 250, "shared": 750},
        }
    }
    assert results._from_memory(row) == "99.0% / 25.0%"
    # A ping or a 304 reads no body: only the playlists' share.
    row["served_from"]["tails"] = {"memory": 0, "shared": 0}
    assert results._from_memory(row) == "99.0%"
    assert results._from_memory({}) == "–"


@pytest.mark.parametrize(("served", "verdict"), [(6700.0, "met"), (6300.0, "missed")])
def test_the_mixed_traffic_is_held_to_the_fleets_rate(
    served: float, verdict: str
) -> None:
    """Paced above the fleet's rate (wrk's delay comes after each answer), the
    served rate must reach the fleet's own, not the pace's."""
    mixed = {"rps": served, "offered_rps": 7420.0, "fleet_rps": 6666.7}
    big = _part(part="fleet-100000", mixed={**mixed, "p99_ms": 35.0, "errors": 0})

    verdicts = _verdicts({"fleet-100000": big})

    assert verdicts["100,000 TVs on one instance (mixed, paced)"] == verdict


def test_memory_is_shown_after_the_traffic_after_a_trim_and_proportionally() -> None:
    memory = {
        "cached": 100000,
        "worker_mib": [306.0, 320.0],
        "max_worker_mib": 320.0,
        "after_traffic_mib": [308.0, 334.0],
        "pss_mib": [280.0, 295.0],
    }
    text = results.render(
        {"fleet-100000": _part(part="fleet-100000", memory=memory)}, ""
    )

    assert "RSS per worker 306 MiB, 320 MiB (largest 320 MiB)" in text
    assert "right after the traffic: 308 MiB, 334 MiB" in text
    assert "(PSS" in text
    assert "280 MiB, 295 MiB; the target is held to the RSS" in text
