"""TVs never see a 500, however the database goes away (MariaDB and PostgreSQL).

The app reaches the database through a loopback proxy the test breaks in four ways
(``proxy.Mode``): refused, accepted-then-reset (asyncmy's "Transport does not
expose socket instance"), black-holed (accepts, never answers: only the client's
timeouts end the wait) and slow. Through each outage:

- a TV whose playlist is cached gets 200 (stale when the cache entry had to be
  rebuilt), pings get 200 and are written once the database is back;
- a TV never served gets the contract's 503 (or its playlist, when the database
  is merely slow); nothing else is 5xx; every answer comes in bounded time;
- the WebSocket hello answers the same way (``conectado``, or close 1013).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from sqlalchemy import select
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.context import context_of
from expotv.db import create_engine, create_sessionmaker
from expotv.main import create_app
from expotv.tvs.models import TV
from tests import support
from tests.conftest import DATABASES, make_settings
from tests.integration.playback.proxy import Mode, TcpProxy

# Short bounds in tests; production's are seconds more (Settings, BUILD_TIMEOUT).
CONNECT_SECONDS = 1.0
STATEMENT_SECONDS = 2.0
BUILD_SECONDS = 1.5
# The slowest answer a TV may get during an outage: the build's bound plus slack
# for a loaded machine.
ANSWER_WITHIN_SECONDS = BUILD_SECONDS + 3.0

BACKENDS = [
    pytest.param(
        "mariadb",
        marks=[
            pytest.mark.mariadb,
            pytest.mark.skipif(
                "mariadb" not in DATABASES, reason="MariaDB fora desta execução"
            ),
        ],
    ),
    pytest.param("postgresql", marks=pytest.mark.postgresql),
]


@pytest.fixture(scope="module", params=BACKENDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    data_dir = tmp_path_factory.mktemp("failure-modes")
    async with support.fresh_database(request.param, data_dir) as url:
        support.migrate(make_settings(data_dir, database_url=url))
        yield url


@dataclass
class Fleet:
    cached: TV  # served before the outage, its cache entry still fresh
    changed: TV  # served before, its playlist invalidated during the outage
    never: TV  # never served by this instance


@pytest.fixture
async def fleet(backend: str, tmp_path: Path) -> AsyncIterator[Fleet]:
    engine = create_engine(make_settings(tmp_path, database_url=backend))
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        condo = Condominium(name="Ed. Aurora")
        session.add(condo)
        await session.flush()
        tvs = [
            TV(code=code, name=f"TV {code}", condominium_id=condo.id)
            for code in ("CACHE2", "MUDOU3", "NUNCA4")
        ]
        session.add_all(tvs)
        await session.commit()
    yield Fleet(*tvs)
    async with sessionmaker() as session:
        await support.truncate_all(session)
    await engine.dispose()


@pytest.fixture
def proxy(backend: str) -> Iterator[tuple[TcpProxy, BlockingPortal]]:
    url = make_url(backend)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 0, delay_seconds=0.05)
    # Its own thread and loop: the app's requests below block the test's loop.
    with start_blocking_portal() as portal:
        portal.call(proxy.start)
        try:
            yield proxy, portal
        finally:
            portal.call(proxy.close)


def app_settings(backend: str, port: int, data_dir: Path) -> Settings:
    return make_settings(
        data_dir,
        database_url=make_url(backend)
        .set(port=port)
        .render_as_string(hide_password=False),
        database_connect_timeout_seconds=CONNECT_SECONDS,
        database_statement_timeout_seconds=STATEMENT_SECONDS,
        heartbeat_flush_seconds=0.1,
        ws_ping_interval_seconds=0.2,
    )


def timed_get(client: TestClient, path: str) -> tuple[int, dict[str, str], float]:
    started = time.monotonic()
    response = client.get(path)
    return response.status_code, dict(response.headers), time.monotonic() - started


def timed_ping(client: TestClient, code: str) -> tuple[int, float]:
    started = time.monotonic()
    response = client.post(f"/app/tv/{code}/ping")
    return response.status_code, time.monotonic() - started


def hello(client: TestClient, code: str) -> str:
    """``conectado``, or the close code the socket got instead."""
    try:
        with client.websocket_connect(f"/app/tv/{code}/ws") as ws:
            frame = ws.receive_json()
            return str(frame["evento"])
    except WebSocketDisconnect as closed:
        return str(closed.code)


@pytest.mark.parametrize("mode", [Mode.REFUSE, Mode.RESET, Mode.BLACKHOLE, Mode.SLOW])
async def test_tvs_never_see_a_500_whatever_the_database_does(
    mode: Mode,
    backend: str,
    fleet: Fleet,
    proxy: tuple[TcpProxy, BlockingPortal],
    tmp_path: Path,
) -> None:
    tcp, portal = proxy
    settings = app_settings(backend, tcp.port, tmp_path)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        context = context_of(client.app)  # type: ignore[arg-type]
        # Warmed with the production bound: a loaded machine's first build (a new
        # connection through the proxy) may take longer than the outage's.
        for tv in (fleet.cached, fleet.changed):
            assert client.get(f"/app/tv/{tv.code}/content").status_code == 200
        served_before = client.get(f"/app/tv/{fleet.changed.code}/content").json()
        context.playlists.build_timeout_seconds = BUILD_SECONDS
        context.playlists.breaker.retry_seconds = 0.3

        portal.call(tcp.set_mode, mode)
        # A change this instance learns of while the database is out (its own
        # invalidation needs no database): the next request is a miss.
        client.portal.call(context.playlists.invalidate, [fleet.changed.code])

        answers: list[tuple[str, int, float]] = []
        for _round in range(3):
            for tv in (fleet.cached, fleet.changed, fleet.never):
                status, headers, took = timed_get(client, f"/app/tv/{tv.code}/content")
                answers.append((f"content {tv.code}", status, took))
                if tv is fleet.changed and status == 200 and mode is not Mode.SLOW:
                    assert headers.get("x-expotv-stale") == "1"
                    assert (
                        client.get(f"/app/tv/{tv.code}/content").json() == served_before
                    )
            for tv in (fleet.cached, fleet.changed):
                status, took = timed_ping(client, tv.code)
                answers.append((f"ping {tv.code}", status, took))
        greetings = {
            tv.code: hello(client, tv.code) for tv in (fleet.changed, fleet.never)
        }

        portal.call(tcp.restore)
        # Pings buffered during the outage reach the database once it is back.
        written = await wait_for_pings(backend, tmp_path, [fleet.cached, fleet.changed])

    never = [status for what, status, _ in answers if fleet.never.code in what]
    if mode is Mode.SLOW:
        # Served once its (slow) build is done: the build outlives a timeout.
        assert set(never) <= {200, 503}
        assert never[-1] == 200
    else:
        assert never == [503, 503, 503]
    for what, status, took in answers:
        if fleet.never.code not in what:
            assert status == 200, (mode, what, status)
        assert took < ANSWER_WITHIN_SECONDS, (mode, what, took)
    assert greetings[fleet.changed.code] == "conectado"
    assert greetings[fleet.never.code] == ("conectado" if mode is Mode.SLOW else "1013")
    assert written


async def wait_for_pings(backend: str, data_dir: Path, tvs: list[TV]) -> bool:
    engine = create_engine(make_settings(data_dir, database_url=backend))
    sessionmaker = create_sessionmaker(engine)
    try:
        async with asyncio.timeout(20):
            while True:
                async with sessionmaker() as session:
                    seen = await session.scalars(
                        select(TV.last_seen_at).where(TV.id.in_([t.id for t in tvs]))
                    )
                    if all(value is not None for value in seen):
                        return True
                await asyncio.sleep(0.1)
    finally:
        await engine.dispose()
