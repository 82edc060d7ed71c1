"""Three ``expotv serve`` processes behind no balancer: one system.

Each test talks to the instances directly, as a load balancer would spread requests.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.tvs.codes import generate_code
from expotv.tvs.models import TV
from expotv.users.models import Role
from tests import support
from tests.multi.conftest import JOB_PERIODS, LOGIN_LIMIT, Cluster, job_runs

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.mariadb]

# "Within a second or two": the nudge normally takes milliseconds.
NUDGE_SECONDS = 2.0
# The outage test's TV pings once every this many polling rounds.
PING_EVERY = 3


async def make_tv(cluster: Cluster) -> TV:
    condo = await cluster.factory.add(Condominium(name=f"Cond {support.run_id()}"))
    tv: TV = await cluster.factory.add(
        TV(code=generate_code(), name="TV do hall", condominium_id=condo.id)
    )
    return tv


async def next_event(ws: ClientConnection, timeout: float) -> dict[str, Any]:
    """The next frame that is not a keep-alive ping, within ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            frame: dict[str, Any] = json.loads(await ws.recv())
            if frame.get("evento") != "ping":
                return frame


async def set_ratio(
    client: httpx.AsyncClient, url: str, tv: TV, headers: dict[str, str], n: int
) -> None:
    response = await client.put(
        f"{url}/tvs/{tv.id}/proporcao",
        json={"proporcao_anuncios": n, "proporcao_avisos": 1, "proporcao_noticias": 1},
        headers=headers,
    )
    assert response.status_code == 200, response.text


async def versions(client: httpx.AsyncClient, cluster: Cluster, tv: TV) -> list[str]:
    result = []
    for instance in cluster.instances:
        response = await client.get(f"{instance.url}/app/tv/{tv.code}/content")
        assert response.status_code == 200, (instance.name, response.text)
        result.append(response.json()["versao"])
    return result


async def test_a_change_through_one_instance_reaches_the_others_and_their_sockets(
    cluster: Cluster,
) -> None:
    a, b, c = cluster.instances
    tv = await make_tv(cluster)
    headers = await cluster.factory.headers(await cluster.factory.user(Role.ADMIN))
    async with httpx.AsyncClient(timeout=5) as client:
        before = await versions(client, cluster, tv)
        async with connect(f"{c.ws_url}/app/tv/{tv.code}/ws") as ws:
            hello = await next_event(ws, NUDGE_SECONDS)

            await set_ratio(client, a.url, tv, headers, 8)
            nudge = await next_event(ws, NUDGE_SECONDS)

        after = await versions(client, cluster, tv)

    assert len(set(before)) == 1
    assert hello == {"evento": "conectado", "versao": before[0]}
    assert nudge == {"evento": "conteudo_atualizado", "versao": after[0]}
    assert len(set(after)) == 1
    assert after[0] != before[0]
    assert b.process.poll() is None


async def test_each_job_runs_once_per_period_across_instances(
    cluster: Cluster,
) -> None:
    periods = 4
    async with httpx.AsyncClient(timeout=5) as client:
        # Read just past a period boundary, when that instant's runs are over.
        await asyncio.sleep(1.4 - time.time() % 1)
        before = [await job_runs(client, i) for i in cluster.instances]
        await asyncio.sleep(periods)
        after = [await job_runs(client, i) for i in cluster.instances]

    def delta(job: str, result: str) -> float:
        key = f"{job}:{result}"
        return sum(
            a.get(key, 0) - b.get(key, 0) for a, b in zip(after, before, strict=True)
        )

    for job, period in JOB_PERIODS.items():
        expected = periods // period
        ran = delta(job, "ok")
        # Three instances fire every period: all but one run stand aside.
        assert expected - 1 <= ran <= expected + 1, (job, ran, cluster.logs())
        assert delta(job, "skipped") >= expected, job
        assert delta(job, "error") == 0, (job, cluster.logs())


async def test_login_failures_spread_over_instances_hit_the_shared_limit(
    cluster: Cluster,
) -> None:
    user = await cluster.factory.user(Role.VIEWER)
    body = {"email": user.email, "senha": "senha-errada-123"}
    async with httpx.AsyncClient(timeout=10) as client:
        statuses = [
            (
                await client.post(
                    f"{cluster.instances[n % 3].url}/auth/login", json=body
                )
            ).status_code
            for n in range(LOGIN_LIMIT)
        ]
        blocked = [
            await client.post(f"{instance.url}/auth/login", json=body)
            for instance in cluster.instances
        ]

    assert statuses == [401] * LOGIN_LIMIT
    assert [r.status_code for r in blocked] == [429] * 3
    assert all(int(r.headers["Retry-After"]) > 0 for r in blocked)


async def test_tvs_keep_getting_200_while_redis_stops_and_restarts(
    cluster: Cluster,
) -> None:
    a, _, c = cluster.instances
    tv = await make_tv(cluster)
    headers = await cluster.factory.headers(await cluster.factory.user(Role.ADMIN))
    content = f"/app/tv/{tv.code}/content"
    statuses: list[int] = []
    pings = 0

    async def poll(client: httpx.AsyncClient, rounds: int) -> None:
        # Content is read from every instance every round (to see any gap); the
        # TV pings like a TV, within EXPOTV_PING_MAX_PER_CODE_PER_MINUTE (its
        # player pings every 30 s): a faster pinger is refused by that cap, Redis
        # or not. One ping every PING_EVERY rounds, on the instances in turn.
        nonlocal pings
        for n in range(rounds):
            for instance in cluster.instances:
                response = await client.get(instance.url + content)
                statuses.append(response.status_code)
            if n % PING_EVERY == 0:
                instance = cluster.instances[pings % len(cluster.instances)]
                ping = await client.post(f"{instance.url}/app/tv/{tv.code}/ping")
                statuses.append(ping.status_code)
                pings += 1
            await asyncio.sleep(0.1)

    async with httpx.AsyncClient(timeout=5) as client:
        async with connect(f"{c.ws_url}/app/tv/{tv.code}/ws") as ws:
            hello = await next_event(ws, NUDGE_SECONDS)
            await poll(client, 3)

            cluster.redis.stop()
            await poll(client, 10)
            # Changed while Redis is down: C hears of it at the latest when its
            # pub/sub is back (the listener retries with at most 5 s of backoff).
            await set_ratio(client, a.url, tv, headers, 3)
            await poll(client, 5)

            cluster.redis.start()
            nudge = await next_event(ws, 10)
            await poll(client, 5)
        current = await versions(client, cluster, tv)

    assert set(statuses) == {200}, statuses
    assert 0 < pings <= Settings.model_fields["ping_max_per_code_per_minute"].default
    assert len(set(current)) == 1
    assert current[0] != hello["versao"]
    assert nudge == {"evento": "conteudo_atualizado", "versao": current[0]}


async def ping_versions(
    client: httpx.AsyncClient, cluster: Cluster, tv: TV
) -> list[str]:
    """The ``versao`` each instance's ping tells the TV (one ping per instance)."""
    result = []
    for instance in cluster.instances:
        response = await client.post(f"{instance.url}/app/tv/{tv.code}/ping")
        assert response.status_code == 200, (instance.name, response.text)
        result.append(response.json()["versao"])
    return result


async def test_an_emergency_takes_over_a_tv_on_every_instance_until_deleted(
    cluster: Cluster,
) -> None:
    a, b, _ = cluster.instances
    manager = await cluster.factory.user(Role.MANAGER)
    condo = await cluster.factory.add(
        Condominium(name=f"Cond {support.run_id()}", manager_id=manager.id)
    )
    tv = await cluster.factory.add(
        TV(code=generate_code(), name="TV do hall", condominium_id=condo.id)
    )
    headers = await cluster.factory.headers(manager)
    async with httpx.AsyncClient(timeout=10) as client:
        party = await client.post(
            f"{a.url}/avisos",
            json={
                "nome": "Festa junina",
                "mensagem": "Sábado no salão de festas.",
                "condominios_ids": [condo.id],
            },
            headers=headers,
        )
        assert party.status_code == 201, party.text
        before = await versions(client, cluster, tv)
        assert len(set(before)) == 1
        assert await ping_versions(client, cluster, tv) == before

        sockets = [
            await connect(f"{i.ws_url}/app/tv/{tv.code}/ws") for i in cluster.instances
        ]
        try:
            hellos = [await next_event(ws, NUDGE_SECONDS) for ws in sockets]
            raised = await client.post(
                f"{a.url}/avisos",
                json={
                    "nome": "URGENTE: vazamento de gás",
                    "mensagem": "Saiam do prédio pela escada.",
                    "condominios_ids": [condo.id],
                    "emergencia": True,
                },
                headers=headers,
            )
            assert raised.status_code == 201, raised.text
            alarm = raised.json()
            # Every instance's socket is told within the bound, each once.
            nudges = [await next_event(ws, NUDGE_SECONDS) for ws in sockets]
            pinged = await ping_versions(client, cluster, tv)
            bodies = [
                (await client.get(f"{i.url}/app/tv/{tv.code}/content")).json()
                for i in cluster.instances
            ]

            deleted = await client.delete(
                f"{b.url}/avisos/{alarm['id']}", headers=headers
            )
            assert deleted.status_code == 204, deleted.text
            restored = [await next_event(ws, NUDGE_SECONDS) for ws in sockets]
            pinged_after = await ping_versions(client, cluster, tv)
        finally:
            for ws in sockets:
                await ws.close()
        after = await versions(client, cluster, tv)

    assert hellos == [{"evento": "conectado", "versao": before[0]}] * 3
    during = bodies[0]["versao"]
    assert during != before[0]
    assert nudges == [{"evento": "conteudo_atualizado", "versao": during}] * 3
    assert pinged == [during] * 3
    for body in bodies:
        assert body["versao"] == during
        assert body["modo"] == "emergencia"
        assert [(i["tipo"], i["id"]) for i in body["itens"]] == [("aviso", alarm["id"])]
    assert restored == [{"evento": "conteudo_atualizado", "versao": before[0]}] * 3
    assert pinged_after == before
    assert after == before


async def test_a_start_and_an_expiry_nudge_each_socket_once_on_every_instance(
    cluster: Cluster,
) -> None:
    """Each edge is popped by one instance, and every instance's sockets hear of
    it once (``playlist-edges`` runs every second across the three)."""
    tv = await make_tv(cluster)
    headers = await cluster.factory.headers(await cluster.factory.user(Role.ADMIN))
    async with httpx.AsyncClient(timeout=10) as client:
        before = await versions(client, cluster, tv)
        sockets = [
            await connect(f"{i.ws_url}/app/tv/{tv.code}/ws") for i in cluster.instances
        ]
        try:
            hellos = [await next_event(ws, NUDGE_SECONDS) for ws in sockets]
            now = time.time()
            starts, ends = now + 3, now + 6
            created = await client.post(
                f"{cluster.instances[0].url}/avisos",
                json={
                    "nome": "Promoção relâmpago",
                    "mensagem": "Só por alguns segundos.",
                    "condominios_ids": [tv.condominium_id],
                    "data_inicio": _iso(starts),
                    "data_expiracao": _iso(ends),
                },
                headers=headers,
            )
            assert created.status_code == 201, created.text
            assert created.json()["status"] == "agendado"
            # An agendado item changes no playlist until it starts: no nudge.
            started = [await next_event(ws, 3 + 2 + NUDGE_SECONDS) for ws in sockets]
            ended = [await next_event(ws, 3 + 2 + NUDGE_SECONDS) for ws in sockets]
            extra = [await _frames_within(ws, 2.5) for ws in sockets]
        finally:
            for ws in sockets:
                await ws.close()
        after = await versions(client, cluster, tv)

    assert hellos == [{"evento": "conectado", "versao": before[0]}] * 3
    assert len({frame["versao"] for frame in started}) == 1
    assert started[0]["evento"] == "conteudo_atualizado"
    assert started[0]["versao"] != before[0]
    assert ended == [{"evento": "conteudo_atualizado", "versao": before[0]}] * 3
    assert extra == [[]] * 3
    assert after == before


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


async def _frames_within(ws: ClientConnection, seconds: float) -> list[dict[str, Any]]:
    """Every frame but keep-alive pings that arrives within ``seconds``."""
    frames: list[dict[str, Any]] = []
    try:
        while True:
            frames.append(await next_event(ws, seconds))
    except TimeoutError:
        return frames


async def test_an_emergency_switched_on_then_expiring_reaches_every_instance(
    cluster: Cluster,
) -> None:
    """Activating an emergency and its expiry (an edge of the playlist-edges job)
    each reach every instance's socket within the bound of the change."""
    a, b, c = cluster.instances
    tv = await make_tv(cluster)
    headers = await cluster.factory.headers(await cluster.factory.user(Role.ADMIN))
    async with httpx.AsyncClient(timeout=10) as client:
        before = await versions(client, cluster, tv)
        expires = time.time() + 8
        created = await client.post(
            f"{a.url}/avisos",
            json={
                "nome": "URGENTE: falta de energia",
                "mensagem": "Elevadores parados.",
                "condominios_ids": [tv.condominium_id],
                "emergencia": True,
                "status": "inativo",
                "data_expiracao": _iso(expires),
            },
            headers=headers,
        )
        assert created.status_code == 201, created.text
        sockets = [
            await connect(f"{i.ws_url}/app/tv/{tv.code}/ws") for i in cluster.instances
        ]
        try:
            hellos = [await next_event(ws, NUDGE_SECONDS) for ws in sockets]
            switched = await client.put(
                f"{b.url}/avisos/{created.json()['id']}",
                json={"status": "ativo"},
                headers=headers,
            )
            assert switched.status_code == 200, switched.text
            on = [await next_event(ws, NUDGE_SECONDS) for ws in sockets]
            during = (await client.get(f"{c.url}/app/tv/{tv.code}/content")).json()
            # The expiry: no request makes it happen, the edges job does.
            wait = max(0.0, expires - time.time()) + NUDGE_SECONDS
            off = [await next_event(ws, wait) for ws in sockets]
        finally:
            for ws in sockets:
                await ws.close()
        after = await versions(client, cluster, tv)

    assert hellos == [{"evento": "conectado", "versao": before[0]}] * 3
    assert during["modo"] == "emergencia"
    assert on == [{"evento": "conteudo_atualizado", "versao": during["versao"]}] * 3
    assert off == [{"evento": "conteudo_atualizado", "versao": before[0]}] * 3
    assert after == before
