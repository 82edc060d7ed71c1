"""The ceiling answers like the TV routes: same body, 304, ping answer, hello."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from starlette.testclient import TestClient

BODY = b'{"tv":{"codigo":"ABC234"},"itens":[' + b"0," * 500 + b"0]}"


@pytest.fixture
def ceiling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    for name, data in (("BODY", BODY), ("PING", b'{"versao":"v1"}'), ("HELLO", b"hi")):
        path = tmp_path / name
        path.write_bytes(data)
        monkeypatch.setenv(f"BENCH_CEILING_{name}", str(path))
    monkeypatch.setenv("BENCH_CEILING_ETAG", '"v1"')
    import bench.ceiling

    yield importlib.reload(bench.ceiling)
    monkeypatch.undo()
    importlib.reload(bench.ceiling)


async def test_ceiling_serves_the_body_and_revalidates(ceiling: ModuleType) -> None:
    transport = httpx.ASGITransport(app=ceiling.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://c") as client:
        full = await client.get("/app/tv/ABC234/content")
        same = await client.get(
            "/app/tv/ABC234/content", headers={"If-None-Match": '"v1"'}
        )
        other = await client.get(
            "/app/tv/ABC234/content", headers={"If-None-Match": '"v0"'}
        )
        ping = await client.post("/app/tv/ABC234/ping", json={"versao": "v0"})

    assert (full.status_code, full.content, full.headers["etag"]) == (200, BODY, '"v1"')
    assert (same.status_code, same.content) == (304, b"")
    assert other.status_code == 200
    assert (ping.status_code, ping.json()) == (200, {"versao": "v1"})


def test_ceiling_says_hello_on_a_websocket(ceiling: ModuleType) -> None:
    with TestClient(ceiling.app) as client, client.websocket_connect("/ws") as socket:
        assert socket.receive_text() == "hi"
