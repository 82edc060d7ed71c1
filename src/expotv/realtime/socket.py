"""One TV's WebSocket as plain ASGI (``WS /app/tv/{codigo}/ws``, contract "TV app").

Frames (JSON text): ``{"evento":"conectado","versao"}`` first,
``{"evento":"conteudo_atualizado","versao"}`` on each change, and
``{"evento":"ping"}`` after ``ws_ping_interval_seconds`` of silence. The ping is an
application frame rather than only a protocol ping so that the ES5 player can see
the socket is alive (and proxies see traffic); players ignore events they don't know.

Close codes: 4404 unknown TV (sent after accepting, so browsers see it); 4429 too
many: unknown codes from this address (the lookup guard), or sockets for this TV
code or from this address on this instance (the hub's caps), the reason in
Portuguese; 1013 content unavailable (database down and nothing cached): try again
later; 1012 the server is restarting.

What an idle socket holds, besides the server's own per-connection state: the
handler's one coroutine waiting in ``receive`` (in ASGI only reading tells that
the client left), a ``TVSocket`` (a few slots) and its keep-alive timer handle. No
task, event or buffer of its own waits with it: a nudge, a keep-alive or the
restart close is written by a short task started when there is something to send
(issue #15: sockets' memory). ``serve_tv_socket`` is called by the TV fast path
(``playlist.fastpath``) ahead of the middleware stack, and by the FastAPI route
(``realtime.router``) for the requests the fast path leaves to the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from expotv.context import AppContext, require
from expotv.db import utcnow
from expotv.observability.refusals import count_refusal
from expotv.playlist.exceptions import PlaylistUnavailable, TVLookupRateLimited
from expotv.realtime.hub import HubFull
from expotv.tvs.codes import normalize_code

CLOSE_UNKNOWN_TV = 4404
CLOSE_RATE_LIMITED = 4429
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_RESTARTING = 1012

# Close reasons people may read (a browser's console, a TV app's log), in pt-BR.
_FULL_REASONS = {
    "ws_code_full": "conexões demais para esta TV",
    "ws_address_full": "conexões demais deste endereço",
}

# What a vanished client raises when the server writes to it.
GONE = (WebSocketDisconnect, RuntimeError, OSError)

_PING = json.dumps({"evento": "ping"}, separators=(",", ":"))


def _frame(event: str, version: str) -> dict[str, Any]:
    text = json.dumps({"evento": event, "versao": version}, separators=(",", ":"))
    return {"type": "websocket.send", "text": text}


class TVSocket:
    """What the hub knows of one TV socket: its code and address, and how to tell
    it a new versao (``push``) or the server's restart (``close``)."""

    __slots__ = (
        "_closing",
        "_ping_due",
        "_ping_seconds",
        "_send",
        "_timer",
        "_told",
        "_wanted",
        "_writer",
        "address",
        "code",
    )

    def __init__(
        self, code: str, address: str, send: Send, *, ping_seconds: float
    ) -> None:
        self.code = code
        self.address = address
        self._send = send
        self._ping_seconds = ping_seconds
        self._told: str | None = None  # the versao the TV was last sent
        self._wanted: str | None = None  # the newest versao published
        self._ping_due = False
        self._closing = False
        self._timer: asyncio.TimerHandle | None = None
        self._writer: asyncio.Task[None] | None = None

    async def greet(self, version: str) -> None:
        await self._send(_frame("conectado", version))
        self._told = version
        self._arm()

    def push(self, version: str) -> None:
        """The TV's versao changed (the hub's publish)."""
        self._wanted = version
        self._wake()

    def close(self) -> None:
        """The server is stopping: tell the TV to come back (1012)."""
        self._closing = True
        self._wake()

    def stop(self) -> None:
        """The TV left: nothing more is written."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None

    def _arm(self) -> None:
        """The keep-alive, ``ping_seconds`` after the last frame."""
        if self._timer is not None:
            self._timer.cancel()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._ping_seconds, self._ping)

    def _ping(self) -> None:
        self._timer = None
        self._ping_due = True
        self._wake()

    def _wake(self) -> None:
        if self._told is None or self._writer is not None:
            return  # not greeted yet (the greeting says it), or a write is on
        self._writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        try:
            while True:
                if self._closing:
                    await _close(self._send, CLOSE_RESTARTING, "servidor reiniciando")
                    return
                wanted = self._wanted
                if wanted is not None and wanted != self._told:
                    await self._send(_frame("conteudo_atualizado", wanted))
                    self._told = wanted
                elif self._ping_due:
                    await self._send({"type": "websocket.send", "text": _PING})
                else:
                    break
                self._ping_due = False
                self._arm()
        except GONE:
            return  # the reader sees the disconnect
        finally:
            self._writer = None


async def serve_tv_socket(
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    context: AppContext,
    code: str,
    client: str,
) -> None:
    """The whole life of one TV socket, from the handshake to the TV leaving."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    code = normalize_code(code)
    await send({"type": "websocket.accept"})
    hub = require(context.hub, "o hub de WebSockets")
    playlists = context.playlists
    socket = TVSocket(
        code, client, send, ping_seconds=context.settings.ws_ping_interval_seconds
    )
    # Registered before the version is read, so a change in between is not missed.
    try:
        hub.connect(socket)
    except HubFull as full:
        count_refusal("websocket", full.reason)
        await _close(send, CLOSE_RATE_LIMITED, _FULL_REASONS[full.reason])
        return
    playlists.watch(code)
    try:
        try:
            version = await playlists.version(code, client=client, now=utcnow())
        except TVLookupRateLimited as exc:
            count_refusal("websocket", exc.code)
            await _close(send, CLOSE_RATE_LIMITED, "códigos de TV inexistentes demais")
            return
        except PlaylistUnavailable:
            await _close(send, CLOSE_TRY_AGAIN_LATER, "conteúdo indisponível")
            return
        if version is None:
            await _close(send, CLOSE_UNKNOWN_TV, "TV não encontrada")
            return
        await socket.greet(version)
        # Read (and ignore) what the TV sends until it goes away.
        while (await receive())["type"] != "websocket.disconnect":
            pass
    except GONE:
        return
    finally:
        socket.stop()
        playlists.unwatch(code)
        hub.disconnect(socket)


async def _close(send: Send, code: int, reason: str) -> None:
    with contextlib.suppress(*GONE):
        await send({"type": "websocket.close", "code": code, "reason": reason})
