"""The alert rules: valid for Prometheus, and each alert fires and stays quiet on the
series alerts_test.yml gives it. promtool comes from scripts/test-deps.sh."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

PROMETHEUS_DIR = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
ALERTS = PROMETHEUS_DIR / "alerts.yml"
ALERTS_TEST = PROMETHEUS_DIR / "alerts_test.yml"
SEED_ALERTS = {
    "ExpoTVApiDown",  # API down (5xx > 10% por 5 min)
    "ExpoTVDatabaseUnreachable",  # Database unreachable
    "ExpoTVDiskAlmostFull",  # Disk > 90%
    "ExpoTVSlowResponses",  # Response time > 500ms (média 10 min)
    "ExpoTVErrorRate",  # Error rate > 1%
    "ExpoTVHighMemory",  # Memory > 85%
    "ExpoTVTVsOffline",  # TVs offline > 10%
}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("promtool")
    assert executable, "promtool ausente: rode scripts/test-deps.sh"
    return subprocess.run(
        [executable, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def alert_names() -> set[str]:
    rules = yaml.safe_load(ALERTS.read_text())
    return {rule["alert"] for group in rules["groups"] for rule in group["rules"]}


def test_alert_rules_are_valid() -> None:
    result = promtool("check", "rules", str(ALERTS))

    assert result.returncode == 0, result.stdout + result.stderr


def test_example_prometheus_config_is_valid() -> None:
    result = promtool("check", "config", str(PROMETHEUS_DIR / "prometheus.yml"))

    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rule_unit_tests_pass() -> None:
    result = promtool("test", "rules", str(ALERTS_TEST))

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_seed_alert_is_defined() -> None:
    assert alert_names() >= SEED_ALERTS


def test_every_alert_is_tested_firing_and_quiet() -> None:
    cases = yaml.safe_load(ALERTS_TEST.read_text())["tests"]
    checks = [check for case in cases for check in case["alert_rule_test"]]
    firing = {c["alertname"] for c in checks if c.get("exp_alerts")}
    quiet = {c["alertname"] for c in checks if not c.get("exp_alerts")}

    assert firing == alert_names()
    assert quiet == alert_names()
