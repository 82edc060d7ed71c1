"""Logging: one stderr handler on the root logger, JSON lines or readable text.

JSON is the production default (``EXPOTV_ENVIRONMENT=production``); elsewhere lines
are readable on a terminal; ``EXPOTV_LOG_JSON`` chooses explicitly.

Every record created while a request is served carries its ``request_id`` (kept in
a context variable by the HTTP middleware, stamped by a log record factory). The
access log is ``expotv.access`` (one line per request; uvicorn's own access log is
silenced), unhandled exceptions go to ``expotv.errors``. Headers, query strings and
bodies are never logged, and extra fields whose names look like secrets are masked.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import secrets
import sys
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from expotv.config import Settings

ACCESS_LOGGER = "expotv.access"
ERRORS_LOGGER = "expotv.errors"

request_id_var: ContextVar[str | None] = ContextVar("expotv_request_id", default=None)

# A client-supplied id is echoed back and written to logs, so it must be short and
# plain: no spaces, quotes or control characters that could forge log lines.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_SECRET_NAME = re.compile(
    r"authorization|cookie|token|secret|senha|password|passwd|api_?key|dsn", re.I
)
# An access line's message already says these; text lines do not repeat them.
_ACCESS_IN_MESSAGE = frozenset({"method", "path", "status", "duration_ms"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MASK = "[removido]"

# Attributes every LogRecord has; anything else came from ``extra=``. uvicorn adds
# ``color_message``, its message again with ANSI colour codes: never a field.
_RECORD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
    "color_message",
}


def valid_request_id(value: str | None) -> str | None:
    """``value`` when it is safe to use as a request id, else None."""
    if value and _REQUEST_ID.fullmatch(value):
        return value
    return None


class _RequestIds:
    """Ids unique across processes and restarts: 80 random bits drawn once per
    process (again in a forked child), then a counter. As long as a uuid4's hex
    (32 characters) and about a tenth of its cost, on every request."""

    def __init__(self) -> None:
        self.reseed()
        os.register_at_fork(after_in_child=self.reseed)

    def reseed(self) -> None:
        self.prefix = secrets.token_hex(10)
        self.counter = itertools.count()

    def next(self) -> str:
        return f"{self.prefix}{next(self.counter):012x}"


_request_ids = _RequestIds()
new_request_id = _request_ids.next


def clean_text(value: str, limit: int = 256) -> str:
    """Client-controlled text made safe for a one-line log entry."""
    return _CONTROL.sub("?", value[:limit])


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in record.__dict__.items():
        if key in _RECORD_ATTRS or key.startswith("_"):
            continue
        fields[key] = _MASK if _SECRET_NAME.search(key) else value
    return fields


def _stamp_request_id(factory: Callable[..., logging.LogRecord]) -> Any:
    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        record.request_id = request_id_var.get()
        return record

    make_record.expotv = True  # type: ignore[attr-defined]
    return make_record


def install_record_factory() -> None:
    """Every record, whatever handler sees it, carries the current request's id."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "expotv", False):
        logging.setLogRecordFactory(_stamp_request_id(factory))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        entry.update(_extras(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines for development: ``time LEVEL logger [request] message k=v``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        shown = _ACCESS_IN_MESSAGE if record.name == ACCESS_LOGGER else ()
        extras = " ".join(
            f"{k}={v}" for k, v in _extras(record).items() if k not in shown
        )
        prefix = f"[{request_id}] " if request_id else ""
        head, _, rest = line.partition("\n")
        return f"{prefix}{head} {extras}".rstrip() + (f"\n{rest}" if rest else "")


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure_logging(settings: Settings) -> None:
    """Install (or replace) the service's handler on the root logger."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "expotv", False):
            root.removeHandler(handler)
    handler = _StderrHandler()
    handler.expotv = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if settings.logs_as_json else TextFormatter())
    root.addHandler(handler)
    install_record_factory()
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    root.setLevel(level)
    # ``expotv.access`` replaces uvicorn's access log (which would print query
    # strings); httpx would print outgoing URLs whole, aiosqlite every SQL parameter.
    for noisy in ("uvicorn.access", "httpx", "httpcore", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
