"""Caps on TV WebSockets per code and per client address (issue 14: "400 sockets
on one code in 0.5 s"), on a real server behind a trusted proxy's X-Forwarded-For."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import ip_network
from typing import Any

import pytest
import websockets

from expotv.config import Settings
from tests import support
from tests.cost import measured
from tests.integration.realtime.helpers import make_tv

pytestmark = pytest.mark.slow


@contextmanager
def server(settings: Settings, **overrides: Any) -> Iterator[str]:
    values: dict[str, Any] = {"trusted_proxies": (ip_network("127.0.0.1/32"),)}
    values.update(overrides)
    with support.live_server(settings.model_copy(update=values)) as live:
        yield live.base_url.replace("http://", "ws://")


def refused(reason: str) -> float:
    value = support.sample_value(
        "expotv_refused_total", {"surface": "websocket", "reason": reason}
    )
    return value or 0.0


async def open_socket(
    url: str, address: str, held: list[Any]
) -> tuple[int | None, str | None]:
    """Open a socket: ``(None, "conectado")`` when greeted (kept open in
    ``held``), else ``(close code, close reason)``."""
    socket = await websockets.connect(
        url, additional_headers={"X-Forwarded-For": address}, open_timeout=30
    )
    try:
        frame = await asyncio.wait_for(socket.recv(), timeout=30)
    except websockets.ConnectionClosed:
        await socket.close()
        return socket.close_code, socket.close_reason
    held.append(socket)
    return None, str(frame)


async def test_sockets_past_the_cap_for_one_code_are_closed_with_4429(
    settings: Settings, factory: support.Factory, clean: None
) -> None:
    tv = await make_tv(factory)
    counted = refused("ws_code_full")
    held: list[Any] = []
    with server(settings, ws_max_per_code=10, ws_max_per_address=0) as base:
        url = f"{base}/app/tv/{tv.code}/ws"
        with measured() as cost:
            results = await asyncio.gather(
                *(
                    open_socket(url, f"10.50.{n // 250}.{n % 250}", held)
                    for n in range(400)
                )
            )
        for socket in held:
            await socket.close()
    greeted = [r for r in results if r[0] is None]
    closed = [r for r in results if r[0] is not None]
    assert len(greeted) == 10
    assert {code for code, _ in closed} == {4429}
    assert {reason for _, reason in closed} == {"conexões demais para esta TV"}
    assert refused("ws_code_full") == counted + 390
    # The flood costs bounded CPU time and memory (client and server in this
    # process: the client's 400 handshakes are most of it).
    assert cost.cpu_seconds < 10.0, cost
    assert cost.peak_growth_mb < 100, cost.peak_growth_mb


async def test_sockets_past_the_cap_for_one_address_are_closed_with_4429(
    settings: Settings, factory: support.Factory, clean: None
) -> None:
    tvs = [await make_tv(factory) for _ in range(4)]
    counted = refused("ws_address_full")
    held: list[Any] = []
    with server(settings, ws_max_per_code=0, ws_max_per_address=3) as base:
        urls = [f"{base}/app/tv/{tv.code}/ws" for tv in tvs]
        building = [await open_socket(url, "10.60.0.1", held) for url in urls]
        # Another address is not held back by the full one.
        elsewhere = await open_socket(urls[3], "10.60.0.2", held)
        # A socket closed frees its place.
        await held[0].close()
        await asyncio.sleep(0.5)
        again = await open_socket(urls[3], "10.60.0.1", held)
        for socket in held:
            await socket.close()
    assert [code for code, _ in building] == [None, None, None, 4429]
    assert building[3][1] == "conexões demais deste endereço"
    assert elsewhere[0] is None
    assert again[0] is None
    assert refused("ws_address_full") == counted + 1
