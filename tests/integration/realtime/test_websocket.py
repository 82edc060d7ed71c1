from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from expotv.config import Settings
from expotv.context import context_of
from expotv.users.models import User
from tests import support
from tests.integration.realtime.helpers import instance, make_tv, next_event


@pytest.fixture
async def tv_server(settings: Settings, module_kept: support.Kept) -> TestClient:
    """One app of this module per database, in a thread of its own."""
    return await module_kept.get(
        ("tv_server", settings.database_url), lambda: instance(settings)
    )


@pytest.fixture
def tv_app(tv_server: TestClient, app: FastAPI, clean: None) -> TestClient:
    context_of(tv_server.app).playlists.reset()
    return tv_server


async def test_a_tv_is_greeted_with_its_current_version(
    tv_app: TestClient, factory: support.Factory
) -> None:
    tv = await make_tv(factory)
    versao = tv_app.get(f"/app/tv/{tv.code}/content").json()["versao"]

    with tv_app.websocket_connect(f"/app/tv/{tv.code.lower()}/ws") as ws:
        assert ws.receive_json() == {"evento": "conectado", "versao": versao}


@pytest.mark.parametrize("code", ["ZZZZZZ", "nope", "A" * 300, "%20"])
async def test_an_unknown_code_is_closed_with_4404(
    tv_app: TestClient, code: str
) -> None:
    with (
        tv_app.websocket_connect(f"/app/tv/{code}/ws") as ws,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        ws.receive_json()

    assert closed.value.code == 4404


async def test_a_content_change_nudges_the_tv_with_the_new_version(
    tv_app: TestClient, factory: support.Factory, admin: User
) -> None:
    tv = await make_tv(factory)
    headers = await factory.headers(admin)

    with tv_app.websocket_connect(f"/app/tv/{tv.code}/ws") as ws:
        hello = next_event(ws)
        response = tv_app.put(
            f"/tvs/{tv.id}/proporcao",
            json={
                "proporcao_anuncios": 2,
                "proporcao_avisos": 2,
                "proporcao_noticias": 2,
            },
            headers=headers,
        )
        assert response.status_code == 200
        nudge = next_event(ws)

    versao = tv_app.get(f"/app/tv/{tv.code}/content").json()["versao"]
    assert nudge == {"evento": "conteudo_atualizado", "versao": versao}
    assert versao != hello["versao"]


async def test_other_tvs_are_not_nudged(
    tv_app: TestClient, factory: support.Factory, admin: User
) -> None:
    mine, other = await make_tv(factory), await make_tv(factory)
    headers = await factory.headers(admin)

    with tv_app.websocket_connect(f"/app/tv/{other.code}/ws") as ws:
        next_event(ws)
        response = tv_app.put(
            f"/tvs/{mine.id}/proporcao",
            json={
                "proporcao_anuncios": 1,
                "proporcao_avisos": 0,
                "proporcao_noticias": 0,
            },
            headers=headers,
        )
        assert response.status_code == 200
        # Only keep-alives follow: a few ping periods, then the test moves on.
        frames = [ws.receive_json() for _ in range(3)]

    assert frames == [{"evento": "ping"}] * 3


async def test_an_idle_socket_gets_keep_alive_pings(
    tv_app: TestClient, factory: support.Factory
) -> None:
    tv = await make_tv(factory)

    with tv_app.websocket_connect(f"/app/tv/{tv.code}/ws") as ws:
        assert ws.receive_json()["evento"] == "conectado"
        assert ws.receive_json() == {"evento": "ping"}
        ws.send_text("anything the TV says is ignored")
        assert ws.receive_json() == {"evento": "ping"}


async def test_a_closed_socket_stops_being_watched(
    tv_app: TestClient, factory: support.Factory
) -> None:
    tv = await make_tv(factory)

    with tv_app.websocket_connect(f"/app/tv/{tv.code}/ws") as ws:
        ws.receive_json()
        hub = context_of(tv_app.app).hub
        assert hub.connections(tv.code) == 1

    # The server notices the close on its side; a request afterwards settles it.
    tv_app.get("/health/live")
    assert tv_app.portal.call(_wait_until_no_connections, hub, tv.code)  # type: ignore[union-attr]


async def _wait_until_no_connections(hub: object, code: str) -> bool:
    import asyncio

    for _ in range(100):
        if hub.connections(code) == 0:  # type: ignore[attr-defined]
            return True
        await asyncio.sleep(0.01)
    return False


async def test_the_app_route_serves_what_the_fast_path_leaves_alike(
    tv_app: TestClient, factory: support.Factory
) -> None:
    """A query string sends the socket through the middleware stack and FastAPI's
    route (the fast path takes only the plain path): the same greeting."""
    tv = await make_tv(factory)
    versao = tv_app.get(f"/app/tv/{tv.code}/content").json()["versao"]
    for path in (f"/app/tv/{tv.code}/ws", f"/app/tv/{tv.code}/ws?player=2"):
        with tv_app.websocket_connect(path) as ws:
            assert ws.receive_json() == {"evento": "conectado", "versao": versao}


async def test_an_idle_socket_keeps_no_task_of_its_own(
    tv_app: TestClient, factory: support.Factory, admin: User
) -> None:
    """Only the server's own task per connection waits (here the test client's):
    no reader task, no mailbox. A nudge runs a short task that ends."""
    tv = await make_tv(factory)
    headers = await factory.headers(admin)

    async def tasks() -> int:
        await asyncio.sleep(0.05)  # let finished tasks be reaped
        return len(asyncio.all_tasks())

    before = tv_app.portal.call(tasks)  # type: ignore[union-attr]
    with (
        tv_app.websocket_connect(f"/app/tv/{tv.code}/ws") as one,
        tv_app.websocket_connect(f"/app/tv/{tv.code}/ws") as two,
    ):
        next_event(one), next_event(two)
        held = tv_app.portal.call(tasks)  # type: ignore[union-attr]
        response = tv_app.put(
            f"/tvs/{tv.id}/proporcao",
            json={
                "proporcao_anuncios": 3,
                "proporcao_avisos": 1,
                "proporcao_noticias": 1,
            },
            headers=headers,
        )
        assert response.status_code == 200
        assert (
            next_event(one)["evento"]
            == next_event(two)["evento"]
            == ("conteudo_atualizado")
        )
        after_nudge = tv_app.portal.call(tasks)  # type: ignore[union-attr]
    # The test client runs each session in one task of the app's loop.
    assert held - before == 2
    assert after_nudge == held


async def test_a_stopping_server_closes_its_sockets_with_1012(
    settings: Settings, factory: support.Factory, clean: None
) -> None:
    tv = await make_tv(factory)
    with (
        instance(settings) as client,
        client.websocket_connect(f"/app/tv/{tv.code}/ws") as ws,
    ):
        next_event(ws)
        hub = context_of(client.app).hub
        assert hub is not None
        client.portal.call(hub.close)  # type: ignore[union-attr]
        with pytest.raises(WebSocketDisconnect) as closed:
            next_event(ws)
    assert closed.value.code == 1012
