"""Server-rendered pages: the TV player (``/tv/{codigo}``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.deps import AppContextDep, AppSettings
from expotv.tvs import codes
from expotv.tvs import repository as tv_repository

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
STATIC_DIR = Path(__file__).parent / "static"

router = APIRouter(include_in_schema=False)


@router.get("/tv/{codigo}", response_class=HTMLResponse)
async def player_page(
    request: Request,
    codigo: Annotated[str, PathParam(max_length=64)],
    settings: AppSettings,
    context: AppContextDep,
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
            "ping_seconds": settings.tv_ping_interval_seconds,
        },
        headers={"Cache-Control": "no-cache"},
    )


async def _tv_exists(
    sessionmaker: async_sessionmaker[AsyncSession], code: str
) -> bool | None:
    if not codes.is_well_formed(code):
        return False
    try:
        async with sessionmaker() as session:
            return await tv_repository.code_exists(session, code)
    except (SQLAlchemyError, OSError):
        return None
