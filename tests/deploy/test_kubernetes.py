"""deploy/kubernetes: each overlay renders with kustomize (`kubectl kustomize`, in the
machine image), every object is valid against the Kubernetes schemas
(kubernetes-validate, strict), and a lint of the rules that matter here: probes on the
right paths, resources, non-root, no floating tags, references that resolve.

kube-linter and kubeconform are not installable from the registries this project
uses (PyPI, npm, Debian); the rules below are the part of them that applies.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from expotv.config import Settings

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = ["staging", "production"]
# The oldest release still supported upstream when written, and the newest schemas.
VERSIONS = ["1.32.0", kubernetes_validate.latest_version()]
WORKLOADS = {"Deployment", "Job"}
SECRET = "expotv-secrets"
SETTINGS = {f"EXPOTV_{name.upper()}" for name in Settings.model_fields}

Manifest = dict[str, Any]


@cache
def render(overlay: str) -> tuple[Manifest, ...]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (que traz o kustomize) ausente nesta máquina"
    result = subprocess.run(
        [kubectl, "kustomize", str(KUBERNETES / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def find(overlay: str, kind: str, name: str) -> Manifest:
    for doc in render(overlay):
        if doc["kind"] == kind and doc["metadata"]["name"] == name:
            return doc
    raise AssertionError(f"{kind}/{name} ausente em {overlay}")


def pod_specs(overlay: str) -> Iterator[tuple[str, Manifest]]:
    for doc in render(overlay):
        if doc["kind"] in WORKLOADS:
            yield doc["metadata"]["name"], doc["spec"]["template"]["spec"]


def containers(overlay: str) -> Iterator[tuple[str, Manifest]]:
    for name, spec in pod_specs(overlay):
        for container in spec["containers"]:
            yield f"{name}/{container['name']}", container


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("version", VERSIONS)
def test_every_object_is_valid_for_kubernetes(overlay: str, version: str) -> None:
    for doc in render(overlay):
        kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_piece_of_the_deployment_is_there(overlay: str) -> None:
    kinds = {(doc["kind"], doc["metadata"]["name"]) for doc in render(overlay)}

    assert kinds >= {
        ("Deployment", "expotv-api"),
        ("Deployment", "expotv-worker"),
        ("Deployment", "expotv-scheduler"),
        ("Job", "expotv-migrate"),
        ("Service", "expotv-api"),
        ("Ingress", "expotv"),
        ("HorizontalPodAutoscaler", "expotv-api"),
        ("PodDisruptionBudget", "expotv-api"),
        ("ConfigMap", "expotv-config"),
    }
    namespaces = {doc["metadata"].get("namespace") for doc in render(overlay)}
    assert len(namespaces - {None}) == 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_commands(overlay: str) -> None:
    commands = {name: c["command"] for name, c in containers(overlay)}

    assert commands["expotv-api/api"][:2] == ["expotv", "serve"]
    assert commands["expotv-worker/worker"] == ["expotv", "worker"]
    assert commands["expotv-scheduler/scheduler"] == ["expotv", "scheduler"]
    assert commands["expotv-migrate/migrate"] == ["expotv", "migrate"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_api_probes_readiness_and_liveness(overlay: str) -> None:
    for name, container in containers(overlay):
        if not container.get("ports"):
            continue  # worker, scheduler, migrate: no HTTP to probe
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live", name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_resources_are_requested(overlay: str) -> None:
    for name, container in containers(overlay):
        resources = container.get("resources", {})
        assert {"cpu", "memory"} <= set(resources.get("requests", {})), name
        assert "memory" in resources.get("limits", {}), name


def test_production_api_starts_from_the_seed_backend() -> None:
    api = find("production", "Deployment", "expotv-api")
    requests = api["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]

    assert api["spec"]["replicas"] == 3
    assert requests == {"cpu": "2", "memory": "2Gi"}
    assert (
        find("production", "HorizontalPodAutoscaler", "expotv-api")["spec"][
            "minReplicas"
        ]
        == 3
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_run_unprivileged(overlay: str) -> None:
    for name, spec in pod_specs(overlay):
        pod = spec.get("securityContext", {})
        assert pod.get("runAsNonRoot") is True, name
        assert pod.get("runAsUser", 0) != 0, name
        assert spec.get("automountServiceAccountToken") is False, name
        for container in spec["containers"]:
            context = container.get("securityContext", {})
            assert context.get("allowPrivilegeEscalation") is False, name
            assert context.get("readOnlyRootFilesystem") is True, name
            assert context.get("capabilities", {}).get("drop") == ["ALL"], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_have_fixed_tags(overlay: str) -> None:
    for name, container in containers(overlay):
        image = container["image"]
        tag = image.rpartition(":")[2] if ":" in image.rpartition("/")[2] else ""
        assert tag, f"{name}: {image} sem tag"
        assert tag != "latest", f"{name}: {image}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_references_resolve(overlay: str) -> None:
    docs = render(overlay)
    config = find(overlay, "ConfigMap", "expotv-config")
    api = find(overlay, "Deployment", "expotv-api")
    pod_labels = api["spec"]["template"]["metadata"]["labels"]

    for name, container in containers(overlay):
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                assert source["configMapRef"]["name"] == "expotv-config", name
            else:
                assert source["secretRef"]["name"] == SECRET, name
    for kind in ("Service", "PodDisruptionBudget"):
        doc = find(overlay, kind, "expotv-api")
        selector = doc["spec"]["selector"]
        selector = selector.get("matchLabels", selector)
        assert selector.items() <= pod_labels.items(), kind
    hpa = find(overlay, "HorizontalPodAutoscaler", "expotv-api")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "expotv-api"
    backends = [
        path["backend"]["service"]["name"]
        for doc in docs
        if doc["kind"] == "Ingress"
        for rule in doc["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert backends == ["expotv-api"]
    assert set(config["data"]) <= SETTINGS, "a ConfigMap key that Settings doesn't read"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ingress_keeps_tv_sockets_and_uploads(overlay: str) -> None:
    annotations = find(overlay, "Ingress", "expotv")["metadata"]["annotations"]

    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "60m"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_api_trusts_the_ingress_for_client_addresses(overlay: str) -> None:
    api = find(overlay, "Deployment", "expotv-api")
    env = {
        e["name"]: e for e in api["spec"]["template"]["spec"]["containers"][0]["env"]
    }

    trusted = Settings(
        _env_file=None,  # type: ignore[call-arg]
        trusted_proxies=env["EXPOTV_TRUSTED_PROXIES"]["value"],
    )
    assert trusted.trusted_proxies
    assert env["EXPOTV_INSTANCE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == (
        "metadata.name"
    )


def test_jobs_run_outside_the_api() -> None:
    config = find("production", "ConfigMap", "expotv-config")["data"]

    assert config["EXPOTV_RUN_JOBS"] == "false"
    assert find("production", "Deployment", "expotv-scheduler")["spec"]["replicas"] == 1
