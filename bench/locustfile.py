"""The seed's load test: a fleet of TVs polling and pinging, plus dashboard users.

    locust -f bench/locustfile.py --headless -u 2005 -r 200 -t 60s --host URL

``make bench`` runs it after the wrk part; ``tests/bench`` runs a small smoke of it.
Configured by environment variables (the fleet comes from ``bench.fleet``):

    BENCH_FLEET_FILE          lines "CODE ETAG VERSAO" (one per TV; only CODE is read)
    BENCH_MANAGERS_FILE       síndicos' e-mails, one per line
    BENCH_PASSWORD            their password
    BENCH_UPLOAD_FILE         a picture the dashboard users upload now and then
    BENCH_CONDOMINIUMS_FILE   "EMAIL ID" lines: a condomínio of each síndico
    BENCH_PING_SECONDS        a TV's period (default 30, the player's)
    BENCH_DASHBOARD_USERS     how many of the users are people (default 5)
    BENCH_WEBSOCKET           1: each TV also holds its WebSocket (default 0)

Every period a TV revalidates its content (If-None-Match: 304, or 200 when it
changed) and pings with the versao it plays; a new versao in the ping's answer is
fetched at once. Any 4xx/5xx or connection failure is a Locust failure, and Locust
then exits non-zero.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from pathlib import Path
from typing import Any

from locust import FastHttpUser, HttpUser, between, constant, events, task

PING_SECONDS = float(os.environ.get("BENCH_PING_SECONDS", "30"))
DASHBOARD_USERS = int(os.environ.get("BENCH_DASHBOARD_USERS", "5"))
WEBSOCKET = os.environ.get("BENCH_WEBSOCKET", "0") == "1"
PASSWORD = os.environ.get("BENCH_PASSWORD", "")


def _lines(variable: str) -> list[str]:
    path = os.environ.get(variable)
    if not path:
        return []
    return [line for line in Path(path).read_text().splitlines() if line.strip()]


CODES = [line.split()[0] for line in _lines("BENCH_FLEET_FILE")]
MANAGERS = _lines("BENCH_MANAGERS_FILE")
CONDOMINIUM_OF = dict(line.split() for line in _lines("BENCH_CONDOMINIUMS_FILE"))
_next_tv = itertools.count()
_next_manager = itertools.count()


@events.test_start.add_listener  # type: ignore[untyped-decorator]
def _check_configuration(environment: Any, **kwargs: Any) -> None:
    if not CODES:
        raise SystemExit("defina BENCH_FLEET_FILE (códigos das TVs)")


class TV(FastHttpUser):
    """One TV of the fleet, as the player behaves."""

    wait_time = constant(PING_SECONDS)

    def on_start(self) -> None:
        self.code = CODES[next(_next_tv) % len(CODES)]
        self.etag: str | None = None
        self.version: str | None = None
        self.socket: Any = None
        # TVs are switched on at different moments, not in step.
        self._sleep(random.uniform(0, PING_SECONDS))
        # As the player starts: its playlist, a first heartbeat, its socket.
        self.fetch()
        self.ping()
        if WEBSOCKET:
            self.open_socket()

    def _sleep(self, seconds: float) -> None:
        import gevent  # type: ignore[import-untyped]

        gevent.sleep(seconds)

    def fetch(self) -> None:
        headers = {"If-None-Match": self.etag} if self.etag else {}
        with self.client.get(
            f"/app/tv/{self.code}/content",
            headers=headers,
            name="/app/tv/[codigo]/content",
            catch_response=True,
        ) as response:
            if response.status_code == 304:
                response.success()
            elif response.status_code == 200:
                self.etag = response.headers.get("etag")
                self.version = json.loads(response.content)["versao"]
                response.success()
            else:
                response.failure(f"status {response.status_code}")

    @task
    def poll(self) -> None:
        self.fetch()
        self.ping()

    def ping(self) -> None:
        with self.client.post(
            f"/app/tv/{self.code}/ping",
            json={
                "versao": self.version,
                "app_versao": "bench",
                "resolucao": "1920x1080",
            },
            name="/app/tv/[codigo]/ping",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return
            response.success()
            if json.loads(response.content)["versao"] != self.version:
                self.fetch()

    def open_socket(self) -> None:
        import gevent
        from websocket import create_connection

        url = (self.host or "").replace("http", "ws", 1) + f"/app/tv/{self.code}/ws"
        started = time.perf_counter()
        error: Exception | None = None
        length = 0
        try:
            self.socket = create_connection(url, timeout=10)
            hello = self.socket.recv()
            length = len(hello)
            if json.loads(hello).get("evento") != "conectado":
                error = ValueError(f"primeira mensagem inesperada: {hello!r}")
        except Exception as exc:
            error = exc
        events.request.fire(  # type: ignore[no-untyped-call]
            request_type="WS",
            name="/app/tv/[codigo]/ws",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=length,
            exception=error,
            context={},
        )
        if error is None:
            gevent.spawn(self._listen)

    def _listen(self) -> None:
        try:
            while self.socket is not None:
                message = json.loads(self.socket.recv())
                if message.get("evento") == "conteudo_atualizado":
                    self.fetch()
        except Exception:
            return

    def on_stop(self) -> None:
        if self.socket is not None:
            socket, self.socket = self.socket, None
            socket.close()


class Dashboard(HttpUser):
    """A síndico on the dashboard's API: signs in, lists anúncios, uploads now
    and then (and deletes what they uploaded, so the fleet stays the same).
    ``HttpUser`` (requests), as FastHttpUser sends no multipart files."""

    fixed_count = DASHBOARD_USERS
    wait_time = between(1, 3)

    def on_start(self) -> None:
        if not MANAGERS:
            raise SystemExit("defina BENCH_MANAGERS_FILE (e-mails dos síndicos)")
        self.email = MANAGERS[next(_next_manager) % len(MANAGERS)]
        response = self.client.post(
            "/auth/login",
            json={"email": self.email, "senha": PASSWORD},
            name="/auth/login",
        )
        token = json.loads(response.content)["access_token"] if response.ok else ""
        self.headers = {"Authorization": f"Bearer {token}"}

    @task(10)
    def list_ads(self) -> None:
        self.client.get("/anuncios?limit=50", headers=self.headers, name="/anuncios")

    @task(1)
    def upload(self) -> None:
        path = os.environ.get("BENCH_UPLOAD_FILE")
        condominium = CONDOMINIUM_OF.get(self.email)
        if not path or not condominium:
            return
        with open(path, "rb") as file:
            response = self.client.post(
                "/anuncios",
                headers=self.headers,
                data={
                    "nome": "Anúncio da carga",
                    "condominios_ids": condominium,
                    "nome_anunciante": "Locust",
                    "numero_anunciante": "0",
                },
                files={"arquivo": (Path(path).name, file, "image/png")},
                name="/anuncios (upload)",
            )
        if response.status_code == 201:
            ad_id = json.loads(response.content)["id"]
            self.client.delete(
                f"/anuncios/{ad_id}", headers=self.headers, name="/anuncios/[id]"
            )
