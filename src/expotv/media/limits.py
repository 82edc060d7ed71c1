"""A request body cap, enforced while the body streams in (pure ASGI).

The multipart parser spools uploads to disk, but without a cap it would read any
amount first. This middleware answers 413 as soon as ``Content-Length`` or the bytes
actually received pass the largest media limit plus room for the form fields; the
rest of the body is never read. Per-kind limits (image vs. video) are checked by
``media.service`` once the file's kind is known.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from expotv.config import Settings
from expotv.media.exceptions import UploadTooLarge

# Multipart boundaries, headers and the item's text fields.
FORM_ALLOWANCE_BYTES = 256 * 1024
_METHODS = {"POST", "PUT", "PATCH"}


def request_body_limit(settings: Settings) -> int:
    return (
        max(settings.max_image_bytes, settings.max_video_bytes) + FORM_ALLOWANCE_BYTES
    )


class _BodyTooLarge(Exception):
    pass


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _METHODS:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._reject(send)
            return

        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            # Whatever the app makes of the interrupted body (FastAPI: a 400), the
            # answer is ours.
            if exceeded and not started:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._reject(send)

    async def _reject(self, send: Send) -> None:
        error = UploadTooLarge(limit=self.max_bytes)
        body = json.dumps(
            {"detail": error.detail, "code": error.code}, ensure_ascii=False
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
