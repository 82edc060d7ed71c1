"""/metrics on the real app: families of the contract, values that follow requests,
pings, uploads and jobs, and no raw TV code anywhere."""

from __future__ import annotations

import io
import re

import httpx
from fastapi import FastAPI
from PIL import Image

from expotv.condominiums.models import Condominium
from expotv.context import context_of
from expotv.db import utcnow
from expotv.scheduler import JobRunner, build_jobs, create_coordinator
from expotv.tvs.models import TV
from tests.integration.observability.conftest import scrape, value
from tests.support import Factory

CONTRACT_FAMILIES = {
    "expotv_http_requests_total": "counter",
    "expotv_http_request_duration_seconds": "histogram",
    "expotv_http_errors_total": "counter",
    "expotv_http_requests_in_progress": "gauge",
    "expotv_db_query_duration_seconds": "histogram",
    "expotv_tvs_online": "gauge",
    "expotv_tvs_offline": "gauge",
    "expotv_content_served_total": "counter",
    "expotv_uploads_total": "counter",
    "expotv_media_disk_bytes": "gauge",
    "expotv_dependency_up": "gauge",
    "expotv_websocket_connections": "gauge",
    "process_resident_memory_bytes": "gauge",
    "process_cpu_seconds_total": "counter",
    "process_open_fds": "gauge",
    "process_start_time_seconds": "gauge",
}
UNKNOWN_CODE = "QWXZRT"


def declared_types(text: str) -> dict[str, str]:
    return dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, flags=re.MULTILINE))


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), "blue").save(buffer, format="PNG")
    return buffer.getvalue()


async def test_metrics_lists_every_family_of_the_contract(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    types = declared_types(response.text)
    for name, kind in CONTRACT_FAMILIES.items():
        declared = types.get(name) or types.get(name.removesuffix("_total"))
        assert declared == kind, name


async def test_requests_are_counted_by_route_template_and_status(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    before = await scrape(client)

    await client.get("/health/live")
    await client.get("/health/live")
    await client.get("/tvs/999999", headers=admin_headers)
    await client.get("/tvs/999998", headers=admin_headers)
    await client.get("/tvs")

    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "expotv_http_requests_total"
    live = {"method": "GET", "route": "/health/live"}
    assert delta(requests, **live, status="200") == 2
    assert delta(requests, method="GET", route="/tvs/{tv_id}", status="404") == 2
    assert delta(requests, method="GET", route="/tvs", status="401") == 1
    assert delta("expotv_http_request_duration_seconds_count", **live) == 2
    assert delta("expotv_http_errors_total", type="http_404") == 2
    assert delta("expotv_http_errors_total", type="http_401") == 1
    # Only the scrape itself is in flight while /metrics is rendered.
    assert value(after, "expotv_http_requests_in_progress") == 1


async def test_a_raw_tv_code_never_becomes_a_label(client: httpx.AsyncClient) -> None:
    before = await scrape(client)

    await client.get(f"/app/tv/{UNKNOWN_CODE}/content")
    await client.post(f"/app/tv/{UNKNOWN_CODE}/ping")
    await client.get(f"/tv/{UNKNOWN_CODE}")
    await client.get(f"/algo/{UNKNOWN_CODE}/que/nao/existe")

    response = await client.get("/metrics")
    assert UNKNOWN_CODE not in response.text
    assert UNKNOWN_CODE.lower() not in response.text
    route = "/app/tv/{codigo}/content"
    key = {"method": "GET", "route": route, "status": "404"}
    after = await scrape(client)
    assert (
        value(after, "expotv_http_requests_total", **key)
        == value(before, "expotv_http_requests_total", **key) + 1
    )
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert (
        value(after, "expotv_http_requests_total", **unmatched)
        == value(before, "expotv_http_requests_total", **unmatched) + 1
    )


async def test_database_statements_are_timed(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    before = await scrape(client)

    assert (await client.get("/auth/me", headers=admin_headers)).status_code == 200

    after = await scrape(client)
    name = "expotv_db_query_duration_seconds_count"
    # At least the session lookup of the token; the scrape's own probe may add more.
    assert value(after, name) > value(before, name)


async def test_content_served_counts_playlists_including_not_modified(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    condo = await factory.add(Condominium(name="Residencial Métricas"))
    tv = await factory.add(TV(name="Hall", condominium_id=condo.id, code="HJKMNP"))
    before = await scrape(client)

    first = await client.get(f"/app/tv/{tv.code}/content")
    again = await client.get(
        f"/app/tv/{tv.code}/content", headers={"If-None-Match": first.headers["ETag"]}
    )

    assert (first.status_code, again.status_code) == (200, 304)
    after = await scrape(client)
    assert (
        value(after, "expotv_content_served_total")
        == value(before, "expotv_content_served_total") + 2
    )
    assert tv.code not in (await client.get("/metrics")).text


async def test_pings_then_the_monitor_job_move_the_fleet_gauges(
    app: FastAPI, client: httpx.AsyncClient, factory: Factory
) -> None:
    condo = await factory.add(Condominium(name="Residencial Frota"))
    pinging = await factory.add(TV(name="Hall", condominium_id=condo.id, code="PQRSTU"))
    await factory.add(TV(name="Garagem", condominium_id=condo.id, code="VWXYZA"))
    jobs = build_jobs(context_of(app).job_parts())
    monitor = {job.name: job for job in jobs}["tv-monitor"]
    runner = JobRunner(create_coordinator(context_of(app).job_parts()))
    before = await scrape(client)

    response = await client.post(f"/app/tv/{pinging.code}/ping")
    assert response.status_code == 200
    await context_of(app).heartbeats.flush()
    assert await runner.run(monitor, now=utcnow()) == "ok"

    after = await scrape(client)
    assert value(after, "expotv_tvs_online") == 1
    assert value(after, "expotv_tvs_offline") == 1
    ping = {"method": "POST", "route": "/app/tv/{codigo}/ping", "status": "200"}
    assert (
        value(after, "expotv_http_requests_total", **ping)
        == value(before, "expotv_http_requests_total", **ping) + 1
    )
    run = {"job": "tv-monitor", "result": "ok"}
    assert (
        value(after, "expotv_job_runs_total", **run)
        == value(before, "expotv_job_runs_total", **run) + 1
    )
    assert pinging.code not in (await client.get("/metrics")).text


async def test_uploads_are_counted_by_result(
    client: httpx.AsyncClient, admin_headers: dict[str, str], factory: Factory
) -> None:
    condo = await factory.add(Condominium(name="Residencial Uploads"))
    form = {"nome": "Padaria", "condominios_ids": str(condo.id)}
    before = await scrape(client)

    accepted = await client.post(
        "/anuncios",
        data=form,
        files={"arquivo": ("foto.png", png_bytes(), "image/png")},
        headers=admin_headers,
    )
    refused = await client.post(
        "/anuncios",
        data=form,
        files={"arquivo": ("texto.png", b"isto nao e uma imagem", "image/png")},
        headers=admin_headers,
    )

    assert accepted.status_code == 201, accepted.text
    assert refused.status_code in (415, 422)
    after = await scrape(client)
    for result in ("ok", "rejected"):
        assert (
            value(after, "expotv_uploads_total", result=result)
            == value(before, "expotv_uploads_total", result=result) + 1
        ), result
