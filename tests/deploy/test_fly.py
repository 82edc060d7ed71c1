"""fly.toml: valid TOML with what a Fly.io deploy of the seed's diagram needs."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

from expotv.config import Settings

ROOT = Path(__file__).resolve().parents[2]
FLY = tomllib.loads((ROOT / "fly.toml").read_text())
SETTINGS = {f"EXPOTV_{name.upper()}" for name in Settings.model_fields}


def test_required_keys() -> None:
    assert FLY["app"]
    assert FLY["primary_region"]
    assert FLY["build"]["dockerfile"] == "Dockerfile"
    assert (ROOT / FLY["build"]["dockerfile"]).exists()


def test_release_command_migrates() -> None:
    assert FLY["deploy"]["release_command"] == "expotv migrate"


def test_process_groups() -> None:
    processes = {
        name: shlex.split(command) for name, command in FLY["processes"].items()
    }

    assert set(processes) == {"app", "worker", "scheduler"}
    assert "expotv serve --host 0.0.0.0 --port 8000" in processes["app"][-1]
    assert processes["worker"] == ["expotv", "worker"]
    assert processes["scheduler"] == ["expotv", "scheduler"]


def test_three_app_machines_behind_the_balancer_with_health_checks() -> None:
    service = FLY["http_service"]
    checks = service["checks"]

    assert service["processes"] == ["app"]
    assert service["internal_port"] == 8000
    assert service["min_machines_running"] == 3
    assert service["auto_stop_machines"] == "off"
    assert [check["path"] for check in checks] == ["/health/live"]
    assert FLY["checks"]["ready"]["path"] == "/health/ready"


def test_internal_port_is_the_image_port() -> None:
    exposed = re.search(r"^EXPOSE (\d+)", (ROOT / "Dockerfile").read_text(), re.M)

    assert exposed
    assert int(exposed[1]) == FLY["http_service"]["internal_port"]


def test_every_process_group_has_a_vm() -> None:
    sized = {process for vm in FLY["vm"] for process in vm["processes"]}
    app = next(vm for vm in FLY["vm"] if vm["processes"] == ["app"])

    assert sized == set(FLY["processes"])
    assert (app["cpus"], app["memory"]) == (2, "2gb")


def test_env_names_settings_and_jobs_run_apart() -> None:
    env = FLY["env"]

    assert set(env) <= SETTINGS
    assert env["EXPOTV_RUN_JOBS"] == "false"
    # The client address comes from Fly's proxy, believed from its private ranges.
    assert env["EXPOTV_CLIENT_IP_HEADER"] == "Fly-Client-IP"
    assert env["EXPOTV_TRUSTED_PROXIES"]
    assert env["EXPOTV_ENVIRONMENT"] == "production"


def test_secrets_are_documented() -> None:
    deploying = (ROOT / "docs" / "deploying.md").read_text()
    named = set(re.findall(r"EXPOTV_[A-Z0-9_]+", (ROOT / "fly.toml").read_text()))
    secrets = named - set(FLY["env"]) - {"EXPOTV_INSTANCE_NAME"}

    assert secrets >= {"EXPOTV_JWT_SECRET", "EXPOTV_DATABASE_URL", "EXPOTV_REDIS_URL"}
    assert secrets <= SETTINGS
    for secret in secrets:
        assert secret in deploying, f"{secret} não está em docs/deploying.md"
