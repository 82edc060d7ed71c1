"""``WS /app/tv/{codigo}/ws``: the TV's push channel (contract, "TV app").

Frames (JSON text): ``{"evento":"conectado","versao"}`` first,
``{"evento":"conteudo_atualizado","versao"}`` on each change, and
``{"evento":"ping"}`` after ``ws_ping_interval_seconds`` of silence. The ping is an
application frame rather than only a protocol ping so that the ES5 player can see
the socket is alive (and proxies see traffic); players ignore events they don't know.

Close codes: 4404 unknown TV (sent after accepting, so browsers see it); 4429 too
many: unknown codes from this address (the lookup guard), or sockets for this TV
code or from this address on this instance (the hub's caps), the reason in
Portuguese; 1013 content unavailable (database down and nothing cached): try again
later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from expotv.db import utcnow
from expotv.deps import AppSettings, ClientAddress, Hub, Playlists
from expotv.observability.refusals import count_refusal
from expotv.playlist.exceptions import PlaylistUnavailable, TVLookupRateLimited
from expotv.realtime.hub import Connection, HubFull
from expotv.tvs.codes import normalize_code

log = logging.getLogger(__name__)

router = APIRouter(tags=["app da TV"])

CLOSE_UNKNOWN_TV = 4404
CLOSE_RATE_LIMITED = 4429
CLOSE_TRY_AGAIN_LATER = 1013

# Close reasons people may read (a browser's console, a TV app's log), in pt-BR.
_FULL_REASONS = {
    "ws_code_full": "conexões demais para esta TV",
    "ws_address_full": "conexões demais deste endereço",
}

# What a vanished client raises when the server writes to it.
_GONE = (WebSocketDisconnect, RuntimeError, OSError)


@router.websocket("/app/tv/{codigo}/ws")
async def tv_updates(
    websocket: WebSocket,
    codigo: str,
    hub: Hub,
    playlists: Playlists,
    settings: AppSettings,
    client: ClientAddress,
) -> None:
    """Avisa a TV quando o conteúdo dela muda (a TV então busca /content)."""
    code = normalize_code(codigo)
    await websocket.accept()
    # Registered before the version is read, so a change in between is not missed.
    try:
        connection = hub.connect(code, client)
    except HubFull as full:
        count_refusal("websocket", full.reason)
        await _close(websocket, CLOSE_RATE_LIMITED, _FULL_REASONS[full.reason])
        return
    playlists.watch(code)
    try:
        try:
            version = await playlists.version(code, client=client, now=utcnow())
        except TVLookupRateLimited as exc:
            count_refusal("websocket", exc.code)
            await _close(
                websocket, CLOSE_RATE_LIMITED, "códigos de TV inexistentes demais"
            )
            return
        except PlaylistUnavailable:
            await _close(websocket, CLOSE_TRY_AGAIN_LATER, "conteúdo indisponível")
            return
        if version is None:
            await _close(websocket, CLOSE_UNKNOWN_TV, "TV não encontrada")
            return
        await _stream(
            websocket,
            connection,
            version=version,
            ping_seconds=settings.ws_ping_interval_seconds,
        )
    except _GONE:
        return
    finally:
        playlists.unwatch(code)
        hub.disconnect(connection)


async def _stream(
    websocket: WebSocket, connection: Connection, *, version: str, ping_seconds: float
) -> None:
    """Send the hello, then each new versao, and a ping after ``ping_seconds`` of
    silence, until the TV goes away or the server stops.

    Per idle socket this holds one task besides the server's (the reader: in ASGI
    only reading tells that the client left), which closes the mailbox when the
    TV goes, so the wait below needs no task of its own.
    """
    await websocket.send_json({"evento": "conectado", "versao": version})
    last_sent = version
    gone = asyncio.create_task(_until_disconnect(websocket))
    gone.add_done_callback(lambda _task: connection.close())
    try:
        while True:
            try:
                async with asyncio.timeout(ping_seconds):
                    new_version = await connection.next_version()
            except TimeoutError:
                await websocket.send_json({"evento": "ping"})
                continue
            if gone.done():
                return
            if new_version is None:  # shutting down
                await _close(websocket, 1012, "servidor reiniciando")
                return
            if new_version != last_sent:
                await websocket.send_json(
                    {"evento": "conteudo_atualizado", "versao": new_version}
                )
                last_sent = new_version
    finally:
        gone.cancel()
        with contextlib.suppress(asyncio.CancelledError, *_GONE):
            await gone


async def _until_disconnect(websocket: WebSocket) -> None:
    """Read (and ignore) what the TV sends until it goes away."""
    while True:
        message: Any = await websocket.receive()
        if message.get("type") == "websocket.disconnect":
            return


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    with contextlib.suppress(*_GONE):
        await websocket.close(code=code, reason=reason)
