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
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.deps import AppContextDep, AppSettings
from expotv.tvs import codes
from expotv.tvs import repository as tv_repository

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
    context: AppContextDep,
    preview: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    """O player em tela cheia que o navegador da TV abre."""
    code = codes.normalize_code(codigo)
    known = await _tv_exists(context.sessionmaker, code)
    if known is False:
        return TEMPLATES.TemplateResponse(
            request, "player_404.html", {"codigo": codigo[:16]}, status_code=404
        )
    # known is None when the database is unreachable: serve the player anyway,
    # it plays its cached playlist until the server is back.
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


async def _tv_exists(
    sessionmaker: async_sessionmaker[AsyncSession], code: str
) -> bool | None:
    if not codes.is_well_formed(code):
        return False
    try:
        async with sessionmaker() as session:
            return await tv_repository.code_exists(session, code)
    except Exception as exc:
        # Whatever the database path raised (a reset connection is a RuntimeError
        # in asyncmy): the TV still gets its player, which plays its copy.
        logger.warning("página do player: banco indisponível: %r", exc)
        return None
