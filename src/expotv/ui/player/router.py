"""The TV player: ``GET /tv/{codigo}`` (the page), ``GET /tv/sw.js`` (its service
worker) and, mounted by ``main``, ``/tv/static/`` (its script, styles and fonts).

Every URL the page holds is relative to ``/tv/{codigo}``: nothing is built from the
request's Host header, so a forged Host cannot end up in a script URL, and the player
works behind a proxy that serves it under another prefix. The page has no inline
script: its configuration travels in a ``<script type="application/json">`` block
that the player script reads (a strict Content-Security-Policy allows that).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from expotv.db import utcnow
from expotv.deps import AppSettings, ClientAddress, Playlists
from expotv.errors import RateLimited
from expotv.observability.refusals import refusals
from expotv.playlist.exceptions import PlaylistUnavailable
from expotv.tvs import codes
from expotv.tvs.exceptions import TVNotFound

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
STATIC_DIR = Path(__file__).parent / "static"
SERVICE_WORKER = Path(__file__).parent / "sw.js"

# Sent in the ping's `app_versao`: which player build a TV runs.
PLAYER_VERSION = "web-2"

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.get("/tv/sw.js")
async def service_worker() -> FileResponse:
    """O service worker do player (cache offline da página e das mídias)."""
    # Its scope is /tv/ (the folder it is served from): it covers every player page.
    # no-cache: a new player version reaches the TVs at their next load.
    return FileResponse(
        SERVICE_WORKER,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/tv/{codigo}", response_class=HTMLResponse)
async def player_page(
    request: Request,
    codigo: Annotated[str, PathParam(max_length=64)],
    settings: AppSettings,
    playlists: Playlists,
    client: ClientAddress,
    preview: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    """O player em tela cheia que o navegador da TV abre."""
    code = codes.normalize_code(codigo)
    # The page is a code lookup like the TV's other requests: the same guard
    # (429 for an enumerating address), the same cached playlist (no SQL on a hit).
    try:
        with refusals("player"):
            await playlists.get(code, client=client, now=utcnow())
    except TVNotFound:
        return TEMPLATES.TemplateResponse(
            request, "player_404.html", {"codigo": codigo[:16]}, status_code=404
        )
    except RateLimited as exc:
        return TEMPLATES.TemplateResponse(
            request,
            "player_429.html",
            {"minutos": max(1, math.ceil(exc.retry_after / 60))},
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    except PlaylistUnavailable:
        # The database is down and nothing is cached here: serve the player
        # anyway, it plays its own copy until the server is back.
        logger.warning("página do player: conteúdo indisponível para %s", code)
    return TEMPLATES.TemplateResponse(
        request,
        "player.html",
        {
            "codigo": code,
            "config": player_config(
                code,
                is_preview=preview not in (None, "", "0", "false"),
                ping_seconds=settings.tv_ping_interval_seconds,
            ),
        },
        headers={"Cache-Control": "no-cache"},
    )


def player_config(code: str, *, is_preview: bool, ping_seconds: int) -> dict[str, Any]:
    """What the player script reads from the page (URLs relative to /tv/{codigo})."""
    return {
        "codigo": code,
        "preview": is_preview,
        "conteudo": f"../app/tv/{code}/content",
        "ping": f"../app/tv/{code}/ping",
        "ws": f"../app/tv/{code}/ws",
        "sw": "sw.js",
        "intervaloPing": ping_seconds,
        "versaoApp": PLAYER_VERSION,
    }
