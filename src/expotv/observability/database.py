"""Times every database statement into ``expotv_db_query_duration_seconds``."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from expotv.observability.metrics import DB_QUERY_DURATION

_STARTED = "expotv_query_started"


def _before(
    _conn: Any, _cursor: Any, _stmt: Any, _params: Any, context: Any, _many: Any
) -> None:
    if context is not None:
        setattr(context, _STARTED, time.perf_counter())


def _after(
    _conn: Any, _cursor: Any, _stmt: Any, _params: Any, context: Any, _many: Any
) -> None:
    started = getattr(context, _STARTED, None)
    if started is not None:
        DB_QUERY_DURATION.observe(time.perf_counter() - started)


def instrument_engine(engine: AsyncEngine) -> None:
    # The start time rides on the execution context, so a failed statement
    # leaves nothing behind to clean up.
    sync_engine = engine.sync_engine
    if not event.contains(sync_engine, "before_cursor_execute", _before):
        event.listen(sync_engine, "before_cursor_execute", _before)
        event.listen(sync_engine, "after_cursor_execute", _after)
