"""Pure ASGI middleware: request id, Prometheus metrics, access log, last-resort 500.

Pure ASGI (not ``BaseHTTPMiddleware``) so streamed bodies flow untouched. For each
HTTP request it

- takes ``X-Request-ID`` when it is safe (``valid_request_id``) or makes one, keeps it
  in ``request.state.request_id`` and the logging context, and returns it as a header;
- counts it by method, route template and status, times it, and tracks requests in
  progress;
- turns an unhandled exception into ``500 {"detail": "erro interno", "code":
  "internal_error"}``, logged with its traceback on ``expotv.errors`` and reported to
  Sentry (when configured); a client that went away before its answer (cancelled, or
  gone in the middle of its body) is no error of ours: status 499, no traceback;
- writes one ``expotv.access`` line: method, route, path (no query string), status,
  duration, user id or TV code. What TVs, probes and scrapers ask every few seconds
  (``QUIET_ROUTES``) is logged at DEBUG unless it failed or was slow.

WebSocket connections are only counted (``expotv_websocket_connections``): their
messages pass through untouched. Lifespan passes through.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.requests import ClientDisconnect
from starlette.routing import Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from expotv.errors import error_body
from expotv.observability import metrics
from expotv.observability.logging import (
    ACCESS_LOGGER,
    ERRORS_LOGGER,
    clean_text,
    new_request_id,
    request_id_var,
    valid_request_id,
)
from expotv.observability.sentry import capture_exception

UNMATCHED_ROUTE = "<unmatched>"
# nginx's code for a request abandoned before its answer (cancelled, shut down).
CLIENT_CLOSED_REQUEST = 499
REQUEST_ID_HEADER = "X-Request-ID"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_TV_CODE = re.compile(r"[A-Za-z0-9]{1,32}")
_INTERNAL_ERROR = error_body("erro interno", "internal_error")
# Asked every few seconds by each TV, probe or scraper: an INFO line each would
# drown the log.
QUIET_ROUTES = frozenset(
    {
        "/app/tv/{codigo}/content",
        "/app/tv/{codigo}/ping",
        "/health/live",
        "/health/ready",
        "/metrics",
    }
)

access_log = logging.getLogger(ACCESS_LOGGER)
error_log = logging.getLogger(ERRORS_LOGGER)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            try:
                return str(value.decode("latin-1"))
            except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes all
                return None
    return None


class RouteTemplates:
    """Maps the route a request matched to its full template.

    FastAPI keeps included routers nested, so a matched route's own ``path_format``
    may lack the prefixes it was included under: the app's flattened route list has
    the full path. Its router marks only API routes in the scope, so plain routes
    (``/openapi.json``, ``/docs``) are matched again here, and mounts are known by
    the prefix they move into ``root_path``.
    """

    def __init__(self) -> None:
        self._by_route: dict[int, str] = {}
        self._missing: set[int] = set()
        self._plain: list[Route] = []
        self._app: Any = None

    def _index(self, app: Any) -> None:
        routes = getattr(app, "routes", [])
        by_route: dict[int, str] = {}
        for context in iter_route_contexts(routes):
            path = context.path_format
            if path is not None:
                by_route.setdefault(id(context.original_route), path)
        self._by_route = by_route
        self._missing = set()
        self._plain = [
            r for r in routes if isinstance(r, Route) and not isinstance(r, APIRoute)
        ]
        self._app = app

    def _full_path(self, app: Any, route: Any) -> str | None:
        key = id(route)
        if app is not self._app or (
            key not in self._by_route and key not in self._missing
        ):
            # Routes can be added after the first request: look once more.
            self._index(app)
            if key not in self._by_route:
                self._missing.add(key)
        return self._by_route.get(key)

    def template(self, scope: Scope, request: Scope) -> str:
        """``scope`` after the app ran; ``request``, the parts it had on entry."""
        mount_prefix = scope.get("root_path", "")[len(request["root_path"]) :]
        route = scope.get("route")
        if isinstance(route, Mount):
            return f"{mount_prefix}{route.path}/{{path}}"
        if route is None:
            if mount_prefix:
                return f"{mount_prefix}/{{path}}"
            app = scope.get("app")
            if app is not self._app:
                self._index(app)
            for plain in self._plain:
                if plain.matches(request)[0] is not Match.NONE:
                    return plain.path_format
            return UNMATCHED_ROUTE
        if not mount_prefix:
            full = self._full_path(scope.get("app"), route)
            if full is not None:
                return full
        path_format = getattr(route, "path_format", None)
        return f"{mount_prefix}{path_format}" if path_format else UNMATCHED_ROUTE


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, *, slow_seconds: float = 1.0) -> None:
        self.app = app
        self.routes = RouteTemplates()
        self.slow_seconds = slow_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            metrics.WEBSOCKET_CONNECTIONS.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                metrics.WEBSOCKET_CONNECTIONS.dec()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = valid_request_id(_header(scope, b"x-request-id"))
        request_id = request_id or new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        request = {
            "type": "http",
            "path": scope["path"],
            "root_path": scope.get("root_path", ""),
            "method": scope["method"],
        }
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        outcome = Outcome(
            method,
            scope["path"],
            [(b"x-request-id", request_id.encode())],
            self.slow_seconds,
        )

        async def send_wrapper(message: Message) -> None:
            await send(outcome.seen(message))

        metrics.IN_PROGRESS.add()
        start = time.perf_counter()
        try:
            await outcome.run(self.app(scope, receive, send_wrapper), send)
        finally:
            duration = time.perf_counter() - start
            metrics.IN_PROGRESS.add(amount=-1)
            route = self.routes.template(scope, request)
            user_id = scope["state"].get("user_id")
            code = (scope.get("path_params") or {}).get("codigo")
            outcome.record(
                route,
                duration,
                user_id=user_id if isinstance(user_id, int) else None,
                tv_code=code if isinstance(code, str) else None,
            )
            request_id_var.reset(token)


def log_unhandled(exc: Exception, method: str) -> str:
    """Log and report an exception no handler answered; its type name."""
    error_type = type(exc).__name__
    error_log.exception(
        "erro não tratado: %s",
        error_type,
        extra={"error_type": error_type, "method": method},
    )
    capture_exception(exc)
    return error_type


_INTERNAL_ERROR_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(_INTERNAL_ERROR)).encode()),
]


class Outcome:
    """How one HTTP request ended, as the metrics and the access line say it:
    ``status`` (499 for a client gone before its answer, 500 for an exception no
    handler answered, which ``run`` then answers itself) and ``error_type``.

    ``seen`` watches what goes out and adds ``extra_headers`` to the start;
    ``record`` counts and logs the request (also the TV fast path's,
    ``expotv.playlist.fastpath``)."""

    __slots__ = (
        "error_type",
        "extra_headers",
        "method",
        "path",
        "slow_seconds",
        "started",
        "status",
    )

    def __init__(
        self,
        method: str,
        path: str,
        extra_headers: list[tuple[bytes, bytes]],
        slow_seconds: float,
    ) -> None:
        self.method = method
        self.path = path
        self.extra_headers = extra_headers
        self.slow_seconds = slow_seconds
        self.status = 500
        self.started = False
        self.error_type: str | None = None

    def start(self, status: int, headers: list[tuple[bytes, bytes]]) -> Message:
        """An ``http.response.start`` as ``seen`` would let it out."""
        self.started = True
        self.status = status
        return {
            "type": "http.response.start",
            "status": status,
            "headers": headers + self.extra_headers,
        }

    def seen(self, message: Message) -> Message:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            message = {**message, **self.start(message["status"], headers)}
        return message

    async def run(self, answering: Awaitable[None], send: Send) -> None:
        """Await ``answering``; on an error no handler answered, answer 500
        through ``send`` (the server's: the extra headers are added here)."""
        try:
            await answering
        except asyncio.CancelledError:
            if not self.started:
                self.status = CLIENT_CLOSED_REQUEST
            raise
        except ClientDisconnect:
            # Gone in the middle of its body: nobody to answer, nothing to report.
            if not self.started:
                self.status = CLIENT_CLOSED_REQUEST
        except Exception as exc:
            self.status = 500
            self.error_type = log_unhandled(exc, self.method)
            if self.started:
                # Headers already went out: the connection can only be dropped.
                raise
            await send(self.start(500, list(_INTERNAL_ERROR_HEADERS)))
            await send({"type": "http.response.body", "body": _INTERNAL_ERROR})

    def record(
        self,
        route: str,
        duration: float,
        *,
        user_id: int | None = None,
        tv_code: str | None = None,
    ) -> None:
        """The metrics and the access line of the answered request. The line's
        fields are built only when its level is enabled: a quiet route at DEBUG
        costs a level check."""
        method, status, error_type = self.method, self.status, self.error_type
        metrics.REQUESTS.add((method, route, str(status)))
        metrics.DURATIONS.observe((method, route), duration)
        if status >= 400:
            metrics.ERRORS.add((error_type or f"http_{status}",))
        if status >= 500:
            level = logging.WARNING
        elif route in QUIET_ROUTES and status < 400 and duration < self.slow_seconds:
            level = logging.DEBUG
        else:
            level = logging.INFO
        if not access_log.isEnabledFor(level):
            return
        fields: dict[str, Any] = {
            "method": method,
            "route": route,
            "path": clean_text(self.path),
            "status": status,
            "duration_ms": round(duration * 1000, 2),
        }
        if user_id is not None:
            fields["user_id"] = user_id
        if tv_code is not None and _TV_CODE.fullmatch(tv_code):
            fields["tv_code"] = tv_code.upper()
        access_log.log(
            level,
            "%s %s %s %.1f ms",
            method,
            fields["path"],
            status,
            fields["duration_ms"],
            extra=fields,
        )
