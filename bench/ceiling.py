"""The ceiling: a bare ASGI app answering like the TV routes, with no work at all.

Served by the same server with the same workers as ``expotv serve`` in the same run,
its rate is what this machine, server and client can do with a body of that size;
the service's figures are given as a ratio to it.

    GET  (any path)              the content body (``BENCH_CEILING_BODY`` file),
                                 304 when If-None-Match is its ETag
    POST (any path)              the body is read, the ping body is answered
    WS   (any path)              accepted, the hello frame sent, held until closed
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def _read(variable: str, default: bytes) -> bytes:
    path = os.environ.get(variable)
    return Path(path).read_bytes() if path else default


BODY = _read("BENCH_CEILING_BODY", b'{"itens":[]}')
PING = _read("BENCH_CEILING_PING", b'{"status":"online"}')
HELLO = _read("BENCH_CEILING_HELLO", b'{"evento":"conectado"}').decode()
ETAG = os.environ.get("BENCH_CEILING_ETAG", '"ceiling"').encode()

_COMMON = [
    (b"etag", ETAG),
    (b"cache-control", b"public, max-age=30"),
]
_OK = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode()),
    *_COMMON,
]
_PING = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(PING)).encode()),
]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    kind = scope["type"]
    if kind == "http":
        await _http(scope, receive, send)
    elif kind == "websocket":
        await _websocket(receive, send)
    elif kind == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _http(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["method"] == "POST":
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": _PING})
        await send({"type": "http.response.body", "body": PING})
        return
    for name, value in scope["headers"]:
        if name == b"if-none-match" and value == ETAG:
            await send(
                {"type": "http.response.start", "status": 304, "headers": _COMMON}
            )
            await send({"type": "http.response.body", "body": b""})
            return
    await send({"type": "http.response.start", "status": 200, "headers": _OK})
    await send({"type": "http.response.body", "body": BODY})


async def _websocket(receive: Receive, send: Send) -> None:
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": HELLO})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
