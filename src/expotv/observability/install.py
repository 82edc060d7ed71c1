"""Wires observability into the app: ``install(app, settings)`` in ``create_app``,
``instrumented(engine)`` in ``lifespan`` once the engine exists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from expotv.config import Settings
from expotv.observability.database import instrument_engine
from expotv.observability.exposition import mark_process_dead
from expotv.observability.logging import configure_logging
from expotv.observability.middleware import ObservabilityMiddleware
from expotv.observability.sentry import init_sentry
from expotv.observability.tally import Flusher


def install(app: FastAPI, settings: Settings) -> None:
    """Logging, Sentry and the HTTP middleware (added last: the outermost one)."""
    configure_logging(settings)
    init_sentry(settings)
    app.add_middleware(
        ObservabilityMiddleware, slow_seconds=settings.log_slow_request_seconds
    )


@asynccontextmanager
async def instrumented(engine: AsyncEngine) -> AsyncIterator[None]:
    """Time the app's database statements and write the per-request counts out
    every second; on shutdown, write the last ones and leave the merged metrics."""
    instrument_engine(engine)
    flusher = Flusher()
    flusher.start()
    try:
        yield
    finally:
        await flusher.stop()
        mark_process_dead()
