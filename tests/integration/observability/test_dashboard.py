"""The Grafana dashboard and the alert rules only query series that exist: the app's
/metrics families, node_exporter's, and Prometheus' own ``up``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import yaml

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "expotv.json"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"

# node_exporter series the dashboard and alerts use (present on every Linux host).
NODE_EXPORTER = {
    "node_cpu_seconds_total",
    "node_filesystem_avail_bytes",
    "node_filesystem_size_bytes",
    "node_memory_MemAvailable_bytes",
    "node_memory_MemTotal_bytes",
    "node_network_receive_bytes_total",
    "node_network_transmit_bytes_total",
}
PROMETHEUS = {"up"}
KEYWORDS = {
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "inf",
    "nan",
}
SUFFIXES = ("", "_total", "_bucket", "_sum", "_count", "_created")


def metric_names(expr: str) -> set[str]:
    """Series names a PromQL expression selects (functions, labels, keywords and
    Grafana variables left out)."""
    text = re.sub(r"\$\{[^}]*\}|\$\w+", "", expr)
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(
        r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text
    )
    names = set()
    for match in re.finditer(r"(?<![\w.])[A-Za-z_:][\w:]*", text):
        following = text[match.end() :].lstrip()
        if following.startswith("(") or match.group().lower() in KEYWORDS:
            continue
        names.add(match.group())
    return names


def app_series(metrics_text: str) -> set[str]:
    families = re.findall(r"^# TYPE (\S+) \S+$", metrics_text, flags=re.MULTILINE)
    return {f"{family}{suffix}" for family in families for suffix in SUFFIXES}


def panels(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for panel in node.get("panels", []):
        found.append(panel)
        found.extend(panels(panel))
    return found


def dashboard_exprs() -> list[str]:
    board = json.loads(DASHBOARD.read_text())
    return [
        target["expr"]
        for panel in panels(board)
        for target in panel.get("targets", [])
        if "expr" in target
    ]


def alert_exprs() -> list[str]:
    rules = yaml.safe_load(ALERTS.read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def test_the_name_extraction_reads_promql() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le, route) (rate(a_bucket{job=~"$job",'
        'route!~"/media/.*"}[$__rate_interval]))) / on(instance) group_left b'
        " > bool 1e3 and c offset 5m"
    )

    assert metric_names(expr) == {"a_bucket", "b", "c"}


async def test_dashboard_queries_only_existing_series(
    client: httpx.AsyncClient,
) -> None:
    known = app_series((await client.get("/metrics")).text) | NODE_EXPORTER

    exprs = dashboard_exprs()

    assert exprs
    for expr in exprs:
        unknown = metric_names(expr) - known
        assert not unknown, f"{expr}: {unknown}"


async def test_alert_rules_query_only_existing_series(
    client: httpx.AsyncClient,
) -> None:
    known = app_series((await client.get("/metrics")).text) | NODE_EXPORTER
    known |= PROMETHEUS

    for expr in alert_exprs():
        unknown = metric_names(expr) - known
        assert not unknown, f"{expr}: {unknown}"


def test_dashboard_shows_fleet_traffic_latency_errors_and_uploads() -> None:
    used = set().union(*(metric_names(e) for e in dashboard_exprs()))
    exprs = "\n".join(dashboard_exprs())

    assert {"expotv_tvs_online", "expotv_tvs_offline"} <= used
    assert "rate(expotv_http_requests_total" in exprs
    for quantile in ("0.5", "0.95", "0.99"):
        assert f"histogram_quantile({quantile}, " in exprs
    assert {"expotv_http_errors_total", "expotv_uploads_total"} <= used


def test_every_panel_uses_the_chosen_data_source() -> None:
    board = json.loads(DASHBOARD.read_text())
    ids = [panel["id"] for panel in panels(board)]

    assert len(ids) == len(set(ids))
    for panel in panels(board):
        if panel["type"] != "row":
            assert panel["datasource"] == {
                "type": "prometheus",
                "uid": "${datasource}",
            }
            assert panel["targets"]
