"""JSON request bodies are small, well-formed and valid Unicode, checked up front.

- Over ``max_bytes`` → 413 at once (the rest is not read). Uploads are multipart and
  have their own, larger limit (``media.limits``).
- Malformed JSON → 422 on every route, in FastAPI's list shape (FastAPI itself
  would answer an undocumented 400 on some routes).
- A lone UTF-16 surrogate escape (``"\\ud800"``) decodes to a Python ``str`` that can
  be neither hashed, stored nor echoed back as UTF-8; it is answered 422 here, once,
  instead of failing deep inside whichever route received it.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_JSON_BYTES = 1024 * 1024
_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_HIGH = rb"\\u[dD][89abAB][0-9a-fA-F]{2}"
_LOW = rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}"
_LONE_SURROGATE = re.compile(rb"%s(?!%s)|(?<!%s)%s" % (_HIGH, _LOW, _HIGH, _LOW))


def has_lone_surrogate(body: bytes) -> bool:
    return _LONE_SURROGATE.search(body) is not None


def _parses(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return False
    return True


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type: bytes = value.split(b";", 1)[0].strip().lower()
            return media_type == b"application/json" or media_type.endswith(b"+json")
    return False


class JsonBodyGuard:
    def __init__(
        self, app: ASGIApp, *, max_bytes: int = DEFAULT_MAX_JSON_BYTES
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _METHODS
            or not _is_json(scope)
        ):
            await self.app(scope, receive, send)
            return

        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _answer(
                    send, 413, "corpo JSON grande demais", "payload_too_large"
                )
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body.strip() and not _parses(body):
            await _answer(
                send,
                422,
                [{"loc": ["body"], "msg": "JSON inválido", "type": "json_invalid"}],
                "json_invalid",
            )
            return
        if has_lone_surrogate(body):
            await _answer(
                send,
                422,
                [
                    {
                        "loc": ["body"],
                        "msg": "o texto contém um caractere Unicode inválido",
                        "type": "invalid_unicode",
                    }
                ],
                "invalid_unicode",
            )
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _answer(send: Send, status: int, detail: object, code: str) -> None:
    payload = json.dumps({"detail": detail, "code": code}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
