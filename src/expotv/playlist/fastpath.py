"""The TV's hot path as lean ASGI, ahead of FastAPI's routing and dependencies.

Every TV asks ``GET /app/tv/{codigo}/content`` and ``POST /app/tv/{codigo}/ping``
every few seconds, and holds ``WS /app/tv/{codigo}/ws`` (``realtime.socket``: served
here too, so that an idle socket keeps no middleware frames waiting).
``TVFastPath`` is the outermost layer of the app: it answers those two itself, with
the same parts the FastAPI routes use (``PlaylistService.get`` and its lookup
guard, ``record_ping`` and the per-code ping cap, ``answers`` for the bytes) and
everything the middleware stack would have added, done once and precomputed where
it can be:

    client address   the request edge's rule (``EXPOTV_TRUSTED_PROXIES``)
    headers          the API's security headers, ``X-Expotv-Instance``,
                     ``X-Request-ID`` (taken when safe, else made)
    observability    ``expotv_http_requests_total`` / ``_duration_seconds`` /
                     ``_errors_total`` / ``_in_progress`` with the route
                     template, ``expotv_content_served_total``,
                     ``expotv_refused_total``, the ``expotv.access`` line (DEBUG
                     unless it failed or was slow), 499 for a client gone, the
                     last-resort 500
    errors           every ``ExpoError`` (404, 429 with Retry-After, 503) rendered
                     as ``expotv.errors`` renders it

Anything else goes on, untouched, to the app: other paths and methods, a query
string, a code that is not letters and digits, a root path, and every ping body
that is not plainly valid (no body, or JSON that ``PingIn`` takes): the FastAPI
route then answers it with its 413 / 415 / 422, the body replayed to it as read.
The routes stay in ``/openapi.json`` from the FastAPI router, which also serves
those requests.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from expotv.config import Settings
from expotv.context import context_of, require
from expotv.db import utcnow
from expotv.edge import bodies
from expotv.edge.clients import UNKNOWN, ClientAddresses
from expotv.edge.compression import request_accepts_gzip
from expotv.edge.headers import API_POLICY, COMMON_HEADERS
from expotv.errors import ExpoError, error_body
from expotv.instance import HEADER as INSTANCE_HEADER
from expotv.observability import metrics
from expotv.observability.logging import (
    new_request_id,
    request_id_var,
    valid_request_id,
)
from expotv.observability.middleware import Outcome
from expotv.observability.refusals import refusals
from expotv.playlist.answers import JSON, content_answer, ping_answer
from expotv.playlist.schemas import PingIn
from expotv.playlist.service import record_ping
from expotv.realtime.socket import serve_tv_socket

PREFIX = "/app/tv/"
CONTENT_ROUTE = "/app/tv/{codigo}/content"
PING_ROUTE = "/app/tv/{codigo}/ping"
# Real codes are 6 letters and digits; anything else is left to the routes.
_CODE = re.compile(r"[A-Za-z0-9]{1,64}")
_JSON_TYPE = re.compile(rb"application/(?:[\w.+-]+\+)?json", re.I)

Headers = list[tuple[bytes, bytes]]


class _NotMine(Exception):
    """A ping body the fast path leaves to the FastAPI route (its 4xx)."""

    def __init__(self, body: bytes, more_body: bool) -> None:
        self.body = body
        self.more_body = more_body


class TVFastPath:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.clients = ClientAddresses(
            settings.trusted_proxies or (), header=settings.client_ip_header
        )
        self.body_limit = settings.max_body_bytes
        self.slow_seconds = settings.log_slow_request_seconds
        # What the edge, the instance header and observability add, in their order.
        extra: Headers = [
            *COMMON_HEADERS,
            (b"content-security-policy", API_POLICY.encode()),
        ]
        if settings.instance_name:
            extra.append(
                (INSTANCE_HEADER.lower().encode(), settings.instance_name.encode())
            )
        self.extra_headers = extra

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "lifespan" and scope["path"].startswith(PREFIX):
            if kind == "http":
                handler = self._handler(scope)
                if handler is not None:
                    await self._serve(handler, scope, receive, send)
                    return
            elif kind == "websocket":
                code = self._socket_code(scope)
                if code is not None:
                    await self._socket(scope, receive, send, code)
                    return
        await self.app(scope, receive, send)

    def _handler(self, scope: Scope) -> tuple[str, str, Callable[..., Any]] | None:
        """(route template, code, handler) for a request of ours, else None."""
        code, _, action = scope["path"][len(PREFIX) :].partition("/")
        if scope["query_string"] or scope.get("root_path") or not _CODE.fullmatch(code):
            return None
        method = scope["method"]
        if action == "content" and method == "GET":
            return CONTENT_ROUTE, code, self._content
        if action == "ping" and method == "POST":
            return PING_ROUTE, code, self._ping
        return None

    # -- the TV's WebSocket -------------------------------------------------------

    def _socket_code(self, scope: Scope) -> str | None:
        code, _, action = scope["path"][len(PREFIX) :].partition("/")
        if action != "ws" or scope["query_string"] or scope.get("root_path"):
            return None
        return code if _CODE.fullmatch(code) else None

    async def _socket(
        self, scope: Scope, receive: Receive, send: Send, code: str
    ) -> None:
        """The socket as the middleware stack would have had it: the client
        address by the edge's rule, counted in ``expotv_websocket_connections``
        (its path has no NUL nor query string to refuse)."""
        self.clients.rewrite(scope)
        peer = scope.get("client")
        metrics.WEBSOCKET_CONNECTIONS.inc()
        try:
            await serve_tv_socket(
                scope,
                receive,
                send,
                context=context_of(scope["app"]),
                code=code,
                client=peer[0] if peer else UNKNOWN,
            )
        finally:
            metrics.WEBSOCKET_CONNECTIONS.dec()

    # -- the request, as the middleware stack would have seen it ----------------

    async def _serve(
        self,
        handler: tuple[str, str, Callable[..., Any]],
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        route, code, answer = handler
        request_id = new_request_id()
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = valid_request_id(value.decode("latin-1")) or request_id
                break
        token = request_id_var.set(request_id)
        as_received = scope.get("client"), scope["scheme"]
        self.clients.rewrite(scope)
        peer = scope.get("client")
        client = peer[0] if peer else UNKNOWN
        extra = [*self.extra_headers, (b"x-request-id", request_id.encode())]
        outcome = Outcome(scope["method"], scope["path"], extra, self.slow_seconds)
        declined: list[_NotMine] = []
        metrics.IN_PROGRESS.add()
        start = time.perf_counter()
        try:
            await outcome.run(
                _respond(answer, scope, receive, send, code, client, outcome, declined),
                send,
            )
        finally:
            metrics.IN_PROGRESS.add(amount=-1)
            if not declined:
                outcome.record(route, time.perf_counter() - start, tv_code=code)
            request_id_var.reset(token)
        if declined:
            # The route answers (and the middleware stack records) this one.
            scope["client"], scope["scheme"] = as_received
            await self.app(scope, _replay(declined[0], receive), send)

    # -- the two answers --------------------------------------------------------

    async def _content(
        self, scope: Scope, _receive: Receive, code: str, client: str
    ) -> tuple[int, Headers, bytes]:
        context = context_of(scope["app"])
        if_none_match: str | None = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value.decode("latin-1")
                break
        try:
            with refusals("content"):
                served = await context.playlists.get(
                    code, client=client, now=utcnow(), if_none_match=if_none_match
                )
        except ExpoError as exc:
            return _error(exc)
        metrics.SERVED.add()
        return content_answer(
            served,
            if_none_match=if_none_match,
            takes_gzip=request_accepts_gzip(scope["headers"]),
        )

    async def _ping(
        self, scope: Scope, receive: Receive, code: str, client: str
    ) -> tuple[int, Headers, bytes]:
        body = await self._ping_body(scope, receive)
        context = context_of(scope["app"])
        try:
            with refusals("ping"):
                served = await record_ping(
                    context.playlists,
                    require(context.heartbeats, "o gravador de pings"),
                    code,
                    client=client,
                    now=utcnow(),
                    limit=context.ping_limit,
                    app_version=body.app_version if body else None,
                    resolution=body.resolution if body else None,
                )
        except ExpoError as exc:
            return _error(exc)
        headers, answer = ping_answer(
            served, ping_interval_seconds=context.settings.tv_ping_interval_seconds
        )
        return 200, headers, answer

    async def _ping_body(self, scope: Scope, receive: Receive) -> PingIn | None:
        """The ping's ``PingIn`` (None: no body), or ``_NotMine`` with what was
        read when the route must answer it."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                raise ClientDisconnect()
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = bool(message.get("more_body", False))
            if size > self.body_limit:
                raise _NotMine(b"".join(chunks), more)
        body = b"".join(chunks)
        if not body:
            return None
        content_type = next(
            (v for k, v in scope["headers"] if k == b"content-type"), None
        )
        if content_type is not None and not _JSON_TYPE.fullmatch(
            content_type.partition(b";")[0].strip()
        ):
            raise _NotMine(body, False)
        if bodies.check_json(body) is not None:
            raise _NotMine(body, False)
        try:
            return PingIn.model_validate_json(body)
        except ValidationError:
            raise _NotMine(body, False) from None


async def _respond(
    answer: Callable[..., Any],
    scope: Scope,
    receive: Receive,
    send: Send,
    code: str,
    client: str,
    outcome: Outcome,
    declined: list[_NotMine],
) -> None:
    """``answer``'s status, headers and body sent out (a ``_NotMine`` noted in
    ``declined`` instead)."""
    try:
        status, headers, body = await answer(scope, receive, code, client)
    except _NotMine as exc:
        declined.append(exc)
        return
    await send(outcome.start(status, headers))
    await send({"type": "http.response.body", "body": body})


def _error(exc: ExpoError) -> tuple[int, Headers, bytes]:
    """An ``ExpoError`` as ``expotv.errors.render`` writes it."""
    body = error_body(exc.detail, exc.code)
    headers: Headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in (exc.headers or {}).items()
    ]
    headers += [(b"content-length", str(len(body)).encode()), (b"content-type", JSON)]
    return exc.status_code, headers, body


def _replay(declined: _NotMine, receive: Receive) -> Receive:
    """``receive`` with the body already read in front of it."""
    pending: list[Message] = [
        {"type": "http.request", "body": declined.body, "more_body": declined.more_body}
    ]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay
