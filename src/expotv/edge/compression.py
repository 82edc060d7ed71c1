"""gzip for JSON answers: negotiated by ``Accept-Encoding``, above a size.

    accepts_gzip(headers)    does the request take gzip (``q`` > 0, or ``*``)?
    JsonGzip                 the ASGI middleware for every other JSON answer
                             (lists, pages of items): one whole body, compressed
                             when asked for and at least ``GZIP_MIN_BYTES``

Why not Starlette's ``GZipMiddleware``: it compresses every type it does not
exclude (HTML pages whose Content-Security-Policy the request edge derives from the
plain bytes, streamed files) and holds every answer's start; this one looks only at
``application/json`` bodies sent in one message, and lets an answer that already
has a ``Content-Encoding`` (the playlist's cached copy) through untouched.

A compressed answer says ``Vary: Accept-Encoding``; its ETag, if any, is made weak
(``W/"..."``): the gzip and identity bodies are the same content but not the same
bytes, and ``If-None-Match`` compares weakly (RFC 9110, 8.8.3).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 6
VARY = (b"vary", b"Accept-Encoding")
CONTENT_ENCODING = (b"content-encoding", b"gzip")
_ACCEPT_ENCODING = b"accept-encoding"


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def accepts_gzip(value: bytes | str | None) -> bool:
    """Whether an ``Accept-Encoding`` value takes gzip (RFC 9110, 12.5.3)."""
    if not value:
        return False
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).lower()
    if "gzip" not in text and "*" not in text:
        return False
    star: float | None = None
    for item in text.split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip()
        if coding in ("gzip", "x-gzip"):
            return _quality(params) > 0
        if coding == "*":
            star = _quality(params)
    return star is not None and star > 0


def request_accepts_gzip(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == _ACCEPT_ENCODING and accepts_gzip(value):
            return True
    return False


def compress(body: bytes) -> bytes:
    # mtime=0: the same body always compresses to the same bytes.
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def weak_etag(etag: bytes) -> bytes:
    return etag if etag.startswith(b"W/") else b"W/" + etag


def _is_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"content-type":
            media_type = value.partition(b";")[0].strip().lower()
            return media_type == b"application/json" or (
                media_type.startswith(b"application/") and media_type.endswith(b"+json")
            )
    return False


class JsonGzip:
    def __init__(self, app: ASGIApp, *, minimum_size: int = GZIP_MIN_BYTES) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not request_accepts_gzip(scope["headers"]):
            await self.app(scope, receive, send)
            return
        held: Message | None = None

        async def send_compressed(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                if _is_json(headers) and not any(
                    name == b"content-encoding" for name, _ in headers
                ):
                    held = message  # decided by the body
                    return
            elif held is not None:
                start, held = held, None
                body = message.get("body", b"")
                if not message.get("more_body", False) and len(body) >= (
                    self.minimum_size
                ):
                    start, message = _compressed(start, message, body)
                await send(start)
            await send(message)

        await self.app(scope, receive, send_compressed)


def _compressed(
    start: Message, message: Message, body: bytes
) -> tuple[Message, Message]:
    compressed = compress(body)
    headers = [
        (name, weak_etag(value) if name == b"etag" else value)
        for name, value in start.get("headers", ())
        if name != b"content-length"
    ]
    headers += [
        (b"content-length", str(len(compressed)).encode()),
        CONTENT_ENCODING,
        VARY,
    ]
    return {**start, "headers": headers}, {**message, "body": compressed}
