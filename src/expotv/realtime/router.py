"""``WS /app/tv/{codigo}/ws``, for the sockets the TV fast path leaves to the app
(a query string, a root path, a code that is not letters and digits): the same
handler (``realtime.socket``), behind the middleware stack."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from expotv.deps import AppContextDep, ClientAddress
from expotv.realtime.socket import serve_tv_socket

router = APIRouter(tags=["app da TV"])


@router.websocket("/app/tv/{codigo}/ws")
async def tv_updates(
    websocket: WebSocket, codigo: str, context: AppContextDep, client: ClientAddress
) -> None:
    """Avisa a TV quando o conteúdo dela muda (a TV então busca /content)."""
    await serve_tv_socket(
        websocket.scope,
        websocket.receive,
        websocket.send,
        context=context,
        code=codigo,
        client=client,
    )
