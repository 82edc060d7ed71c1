"""``RequestEdge``: the one layer every request crosses before a route runs.

Pure ASGI (a body streams through untouched unless it must be looked at). In order:

1. the client's address goes into ``scope["client"]`` (``clients``), HTTP and
   WebSocket alike;
2. a NUL in the path or a query value is a 422 (``bodies``);
3. when the route starts reading its body, the body must be one the route declares
   (its OpenAPI ``requestBody``: a Pydantic body is JSON, ``Form``/``File`` are
   forms, ``openapi_extra`` lists the rest), else 415; it may be as large as
   ``EXPOTV_MAX_BODY_BYTES`` (1 MiB), or the upload cap for multipart bodies on
   routes that take multipart, else 413 as soon as it passes (``Content-Length`` is
   believed when it says too much, never when it says little); a JSON or URL-encoded
   body is read whole (within that cap) and checked before the route parses it, a
   multipart body is checked as it streams;
4. every answer gets the security headers of its surface (``headers``);
5. a client that goes away mid-body ends the request as a disconnect (499 in the
   access log and metrics), not as an error of ours.

Refusals are rendered by ``expotv.errors`` like every other error. Whatever the app
made of the body it could not read (FastAPI turns any failure into a 400) is
dropped: the edge's answer wins.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import params
from fastapi.routing import APIRoute
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from expotv.config import Settings
from expotv.edge import bodies
from expotv.edge.clients import ClientAddresses
from expotv.edge.headers import PagePolicy, SecurityHeaders
from expotv.errors import ExpoError, PayloadTooLarge, UnsupportedMedia, render
from expotv.media.exceptions import UploadTooLarge

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
# Multipart boundaries, part headers and an item's text fields, beside the file.
FORM_ALLOWANCE_BYTES = 256 * 1024


def upload_limit(settings: Settings) -> int:
    """The body cap of a multipart request to a route that takes uploads."""
    largest = max(settings.max_image_bytes, settings.max_video_bytes)
    return largest + FORM_ALLOWANCE_BYTES


class BodyTooLarge(PayloadTooLarge, code="body_too_large"):
    def __init__(self, *, limit: int) -> None:
        size = f"{limit // 1024} KB" if limit < 1024 * 1024 else f"{limit >> 20} MB"
        super().__init__(f"corpo da requisição grande demais: o limite é {size}")


class MediaTypeRefused(UnsupportedMedia, code="unsupported_content_type"):
    def __init__(self, accepted: frozenset[str]) -> None:
        names = " ou ".join(sorted(accepted))
        super().__init__(f"tipo de conteúdo não aceito: envie {names}")


def media_type_of(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return str(value.decode("latin-1").split(";", 1)[0].strip().lower())
    return ""


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def _is_json(media_type: str) -> bool:
    return media_type == JSON or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def declared_media_types(route: object) -> frozenset[str]:
    """The body media types a route takes, as its OpenAPI operation says."""
    if not isinstance(route, APIRoute):
        return frozenset()
    request_body = (route.openapi_extra or {}).get("requestBody", {})
    types = set(request_body.get("content", {}))
    field = route.body_field
    if field is not None:
        # FastAPI reads ``Form``/``File`` bodies from either kind of form.
        is_form = isinstance(field.field_info, params.Form)
        types.update((FORM, MULTIPART) if is_form else (JSON,))
    return frozenset(types)


# How long a body refused part-way is still read (and dropped) before the answer.
DRAIN_SECONDS = 5.0


class _Refused(Exception):
    """Raised into the app from ``receive``; the edge answers instead."""


@dataclass(frozen=True, slots=True)
class _Plan:
    limit: int
    buffered: str | None  # JSON or FORM: read whole, then checked
    multipart: bool


class _Request:
    """One HTTP request seen by the edge: its body gate and its answer."""

    def __init__(self, edge: RequestEdge, scope: Scope, receive: Receive, send: Send):
        self.edge = edge
        self.scope = scope
        self._receive = receive
        self._send = send
        self.refusal: ExpoError | None = None
        self.disconnected = False
        self.started = False
        self._plan: _Plan | None = None
        self._replay: Message | None = None
        self._received = 0
        self._body_done = False
        self._scan: bodies.MultipartTextScan | None = None
        self._held: Message | None = None
        self._page_policy: PagePolicy | None = None

    def refuse(self, error: ExpoError) -> _Refused:
        self.refusal = error
        return _Refused()

    # -- the body ---------------------------------------------------------------

    def _decide(self) -> _Plan:
        media_type = media_type_of(self.scope)
        accepted = self.edge.media_types(self.scope.get("route"))
        # A body without a type is read as JSON where JSON is what the route takes.
        is_json = _is_json(media_type) or (not media_type and JSON in accepted)
        kind = JSON if is_json else media_type
        if accepted and kind not in accepted and self._has_body():
            raise self.refuse(MediaTypeRefused(accepted))
        is_upload = kind == MULTIPART and MULTIPART in accepted
        limit = self.edge.upload_limit if is_upload else self.edge.body_limit
        declared = _header(self.scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise self.refuse(self._too_large(limit, is_upload))
        if kind == MULTIPART:
            content_type = _header(self.scope, b"content-type") or ""
            self._scan = bodies.MultipartTextScan(content_type)
        buffered = kind if kind in (JSON, FORM) else None
        return _Plan(limit=limit, buffered=buffered, multipart=is_upload)

    def _has_body(self) -> bool:
        length = _header(self.scope, b"content-length")
        if length is not None:
            return length.strip() not in ("", "0")
        return _header(self.scope, b"transfer-encoding") is not None

    @staticmethod
    def _too_large(limit: int, is_upload: bool) -> ExpoError:
        return UploadTooLarge(limit=limit) if is_upload else BodyTooLarge(limit=limit)

    async def _chunk(self, plan: _Plan) -> Message:
        message = await self._receive()
        if message["type"] == "http.disconnect":
            self.disconnected = True
        elif message["type"] == "http.request":
            chunk: bytes = message.get("body", b"")
            self._received += len(chunk)
            self._body_done = not message.get("more_body", False)
            if self._received > plan.limit:
                raise self.refuse(self._too_large(plan.limit, plan.multipart))
            if self._scan is not None:
                self._scan.feed(chunk)
                if self._scan.problem is not None:
                    raise self.refuse(self._scan.problem)
        return message

    async def _read_whole(self, plan: _Plan) -> bytes:
        chunks: list[bytes] = []
        more = True
        while more:
            message = await self._chunk(plan)
            if message["type"] != "http.request":
                raise ClientDisconnect()
            chunks.append(message.get("body", b""))
            more = bool(message.get("more_body", False))
        return b"".join(chunks)

    async def receive(self) -> Message:
        if self._plan is None:
            # The router has run by now: ``scope["route"]`` is the route reading.
            self._plan = plan = self._decide()
            if plan.buffered is not None:
                body = await self._read_whole(plan)
                problem = (
                    bodies.check_json(body)
                    if plan.buffered == JSON
                    else bodies.check_pairs(body, "body")
                )
                if problem is not None:
                    raise self.refuse(problem)
                return {"type": "http.request", "body": body, "more_body": False}
        if self._plan.buffered is not None:
            # The body was delivered whole: what is left to hear is a disconnect.
            return await self._receive()
        return await self._chunk(self._plan)

    # -- the answer -------------------------------------------------------------

    async def send(self, message: Message) -> None:
        if (self.refusal is not None or self.disconnected) and not self.started:
            return  # the app's answer to a body it could not read
        await self.send_out(message)

    async def send_out(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            content_type = next(
                (v for k, v in message.get("headers", ()) if k == b"content-type"),
                b"",
            )
            policy = self.edge.headers.policy_for(self.scope["path"], content_type)
            if not isinstance(policy, bytes):
                self._held, self._page_policy = message, policy
                return  # the page decides its policy: wait for its HTML
            message = SecurityHeaders.add(message, policy)
        elif self._held is not None and self._page_policy is not None:
            start, self._held = self._held, None
            page_policy = self._page_policy(message.get("body", b""))
            await self._send(SecurityHeaders.add(start, page_policy.encode()))
        await self._send(message)

    async def answer(self, error: ExpoError) -> None:
        response = render(error)
        if error.status_code != 413 and self._received:
            await self._drain()
        if error.status_code == 413 or (self._received and not self._body_done):
            # The rest of the body is never read: the connection can not be reused.
            response.headers["Connection"] = "close"
        await response(self.scope, self._receive, self.send_out)

    async def _drain(self) -> None:
        """Read and drop the rest of a body refused part-way (a NUL in a form
        field), within its cap and ``DRAIN_SECONDS``: a client still sending when
        the answer and the close come would read a reset, not the answer (what a
        server's "lingering close" avoids). An oversized body is never drained."""
        plan = self._plan
        if plan is None or self._body_done or self.disconnected:
            return
        try:
            async with asyncio.timeout(DRAIN_SECONDS):
                while not self._body_done:
                    message = await self._receive()
                    if message["type"] != "http.request":
                        self.disconnected = True
                        return
                    self._received += len(message.get("body", b""))
                    if self._received > plan.limit:
                        return
                    self._body_done = not message.get("more_body", False)
        except TimeoutError:
            return


class RequestEdge:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.body_limit = settings.max_body_bytes
        self.upload_limit = upload_limit(settings)
        self.clients = ClientAddresses(
            settings.trusted_proxies or (), header=settings.client_ip_header
        )
        self.headers = SecurityHeaders(
            media_url=settings.public_media_url,
            player_frame_ancestors=settings.player_frame_ancestors,
        )
        self._media_types: dict[int, frozenset[str]] = {}

    def media_types(self, route: object) -> frozenset[str]:
        key = id(route)
        found = self._media_types.get(key)
        if found is None:
            found = self._media_types[key] = declared_media_types(route)
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        self.clients.rewrite(scope)
        problem = _target_problem(scope)
        if scope["type"] == "websocket":
            if problem is not None:
                # Before ``accept``: the server answers the handshake with a 403.
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        request = _Request(self, scope, receive, send)
        if problem is not None:
            await request.answer(problem)
            return
        try:
            await self.app(scope, request.receive, request.send)
        except Exception:
            if request.started or (
                request.refusal is None and not request.disconnected
            ):
                raise
        if request.disconnected and not request.started:
            raise ClientDisconnect()
        if request.refusal is not None and not request.started:
            await request.answer(request.refusal)


def _target_problem(scope: Scope) -> ExpoError | None:
    if "\x00" in scope.get("path", ""):
        return bodies.NulCharacter(loc=("path",))
    return bodies.check_pairs(scope.get("query_string", b""), "query")
