"""The TV app's HTTP endpoints (public, identified by the TV's code)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Path, Response

from expotv.db import utcnow
from expotv.deps import (
    AppSettings,
    ClientAddress,
    Heartbeats,
    PingLimitDep,
    Playlists,
)
from expotv.edge.compression import accepts_gzip
from expotv.errors import error_responses
from expotv.observability.metrics import SERVED
from expotv.observability.refusals import refusals
from expotv.playlist.answers import STALE_HEADERS, content_answer
from expotv.playlist.schemas import PingIn, PingRead, PlaylistRead
from expotv.playlist.service import record_ping

router = APIRouter(prefix="/app/tv", tags=["app da TV"])


async def get_ping_interval(settings: AppSettings) -> int:
    return settings.tv_ping_interval_seconds


PingInterval = Annotated[int, Depends(get_ping_interval)]
TVCode = Annotated[str, Path(description="código da TV (maiúsculas ou minúsculas)")]

_ERRORS = error_responses(
    {
        404: "código de TV desconhecido",
        429: "códigos desconhecidos demais deste cliente (Retry-After)",
        503: "banco fora e nenhuma cópia desta playlist (Retry-After)",
    }
)


@router.get(
    "/{codigo}/content",
    response_class=Response,
    responses={
        200: {
            "model": PlaylistRead,
            "description": "a playlist intercalada da TV; ETag é a versão",
            "content": {"application/json": {}},
        },
        304: {"description": "a versão em If-None-Match é a atual"},
        **_ERRORS,
    },
)
async def get_content(
    codigo: TVCode,
    playlists: Playlists,
    client: ClientAddress,
    if_none_match: Annotated[str | None, Header()] = None,
    accept_encoding: Annotated[str | None, Header()] = None,
) -> Response:
    """A playlist intercalada da TV (em cache; 304 quando If-None-Match é a atual;
    gzip quando Accept-Encoding o aceita)."""
    with refusals("content"):
        served = await playlists.get(
            codigo, client=client, now=utcnow(), if_none_match=if_none_match
        )
    SERVED.add()
    status, headers, body = content_answer(
        served,
        if_none_match=if_none_match,
        takes_gzip=accepts_gzip(accept_encoding),
    )
    response = Response(body, status_code=status)
    response.raw_headers = headers
    return response


_PING_ERRORS = {
    **_ERRORS,
    **error_responses(
        {
            429: "códigos desconhecidos demais deste cliente, ou pings demais desta "
            "TV por minuto (Retry-After)"
        }
    ),
}


@router.post("/{codigo}/ping", response_model=PingRead, responses=_PING_ERRORS)
async def ping(
    codigo: TVCode,
    playlists: Playlists,
    heartbeats: Heartbeats,
    limit: PingLimitDep,
    client: ClientAddress,
    ping_interval: PingInterval,
    response: Response,
    body: Annotated[PingIn | None, Body()] = None,
) -> PingRead:
    """Sinal de vida da TV; responde a versão do conteúdo e o intervalo de ping."""
    with refusals("ping"):
        served = await record_ping(
            playlists,
            heartbeats,
            codigo,
            client=client,
            now=utcnow(),
            limit=limit,
            app_version=body.app_version if body else None,
            resolution=body.resolution if body else None,
        )
    if served.is_stale:
        response.headers.update(STALE_HEADERS)
    return PingRead(
        version=served.entry.version,
        ping_interval_seconds=ping_interval,
    )
