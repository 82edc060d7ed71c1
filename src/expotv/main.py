"""The ASGI application: ``create_app(settings)`` wires routers, errors and lifespan.

Nothing connects at import time: ``lifespan`` builds the application context
(``expotv.context``) and request dependencies hand its parts out (``expotv.deps``).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp

from expotv.auth import passwords
from expotv.auth.dependencies import get_current_user
from expotv.auth.router import router as auth_router
from expotv.condominiums.router import router as condominiums_router
from expotv.config import Settings
from expotv.context import open_context
from expotv.edge import RequestEdge
from expotv.edge.compression import JsonGzip
from expotv.edge.openapi import document_edge
from expotv.errors import (
    AUTHENTICATED_RESPONSES,
    PUBLIC_RESPONSES,
    install_error_handlers,
)
from expotv.graphql.router import install as install_graphql
from expotv.heap import HeapTrimmer
from expotv.instance import InstanceHeaderMiddleware
from expotv.items.fastpath import ListFastPath
from expotv.items.kinds import KINDS as ITEM_KINDS
from expotv.items.router import item_router
from expotv.media.router import router as media_router
from expotv.news.router import router as news_router
from expotv.observability.install import install as install_observability
from expotv.observability.install import instrumented
from expotv.observability.router import router as observability_router
from expotv.playlist.fastpath import TVFastPath
from expotv.playlist.router import router as playlist_router
from expotv.realtime.router import router as realtime_router
from expotv.timezones import InputZoneMiddleware
from expotv.tvs.router import router as tvs_router
from expotv.ui.painel.routes import install as install_painel
from expotv.ui.player.router import STATIC_DIR as PLAYER_STATIC_DIR
from expotv.ui.player.router import router as player_router
from expotv.users.bootstrap import ensure_master
from expotv.users.router import router as users_router

logger = logging.getLogger(__name__)

API_DESCRIPTION = (
    "API do EXPO TV: avisos, anúncios e notícias nas TVs de condomínios. "
    "Rotas de gestão exigem `Authorization: Bearer <token>` (POST /auth/login)."
)


# Net allocations of tracked objects between two young collections (CPython's
# default is 700): see ``freeze_startup_heap``.
GC_YOUNG_THRESHOLD = 10_000


def freeze_startup_heap() -> None:
    """Keep what start-up made out of every later garbage collection, and collect
    less often.

    A worker holds a couple of hundred MB of long-lived objects once started, and
    CPython's full (generation 2) collection walks all of them, finding nothing:
    150 ms pauses, the p99 of every request in flight then. ``gc.freeze`` moves
    them to a permanent generation; cycles among them are never freed, which is
    what start-up objects are for anyway.

    Then young collections every ``GC_YOUNG_THRESHOLD`` allocations, not 700: at
    700 a young collection ran several times per request, promoting the objects
    of every request in flight, so full collections came every second or so under
    load (50-100 ms each at 100,000 TVs). Measured at 100,000 TVs under load:
    collections' CPU 5.8 s -> 0.6 s over the run, content's p99 90 -> 28 ms.

    Only for a serving process: a test process starts and drops many apps
    (``EXPOTV_GC_FREEZE_AFTER_STARTUP=false``).
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)
    logger.info("heap frozen after start-up: %d objects", gc.get_freeze_count())


def serve_lifespan(
    settings: Settings,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """``expotv serve``'s parts (``expotv.context``), on ``app.state.context``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_context(
            settings,
            tv_serving=True,
            media_queue=True,
            feeds_client=True,
            jobs=settings.run_jobs,
        ) as context:
            app.state.context = context
            async with instrumented(context.engine):
                await ensure_master(context.sessionmaker, settings)
                if settings.gc_freeze_after_startup:
                    freeze_startup_heap()
                trimmer = HeapTrimmer(settings.malloc_trim_seconds)
                trimmer.start()
                try:
                    yield
                finally:
                    await trimmer.stop()

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    passwords.configure(settings)
    # /docs and /redoc load Swagger UI and ReDoc from an installed package, not a CDN:
    # they work on a network with no way out.
    app = FastAPIOffline(
        static_url="/docs-static",
        title="EXPO TV",
        version="1.0.0",
        description=API_DESCRIPTION,
        lifespan=serve_lifespan(settings),
        # The service's metrics are Prometheus' (expotv.observability). FastAPI's
        # OpenTelemetry bridge is off: with it on, every request, the TVs' too,
        # first asks OpenTelemetry whether a provider is set (about 15 µs).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_error_handlers(app)

    # Management routes are authenticated when included: public ones are explicit.
    management: dict[str, Any] = {
        "dependencies": [Depends(get_current_user)],
        "responses": AUTHENTICATED_RESPONSES,
    }
    app.include_router(auth_router)
    app.include_router(users_router, **management)
    app.include_router(condominiums_router, **management)
    app.include_router(tvs_router, **management)
    for kind in ITEM_KINDS:
        app.include_router(item_router(kind), **management)
    app.include_router(news_router, **management)
    app.include_router(playlist_router, responses=PUBLIC_RESPONSES)
    app.include_router(realtime_router)
    app.include_router(media_router)
    app.include_router(observability_router)
    app.include_router(player_router)
    # Under /tv/ so the player's service worker (/tv/sw.js) covers its own files.
    app.mount(
        "/tv/static", StaticFiles(directory=PLAYER_STATIC_DIR), name="player-static"
    )
    install_painel(app)
    install_graphql(app, settings)
    document_edge(app)
    # Innermost: a kept list page answered without routing and dependencies
    # (everything outside still applies to it).
    app.add_middleware(ListFastPath, kinds=ITEM_KINDS)
    # Timestamps sent without an offset are read in EXPOTV_TIMEZONE.
    app.add_middleware(InputZoneMiddleware, zone=settings.timezone)
    app.add_middleware(RequestEdge, settings=settings)
    if settings.instance_name:
        app.add_middleware(InstanceHeaderMiddleware, name=settings.instance_name)
    # Outside the edge: the docs pages' policy is derived from their plain HTML.
    app.add_middleware(JsonGzip)
    # Its middleware is outside the rest: it times and logs everything inside.
    install_observability(app, settings)
    # Ahead of every middleware, FastAPI's own too (its error page and body limit,
    # about 5 % of a ping's CPU): the TVs' content, ping and socket (the fast path
    # does the stack's work itself).
    build_stack = app.build_middleware_stack

    def build_with_fast_path() -> ASGIApp:
        return TVFastPath(build_stack(), settings=settings)

    app.build_middleware_stack = build_with_fast_path  # type: ignore[method-assign]
    return app
