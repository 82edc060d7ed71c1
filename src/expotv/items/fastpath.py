"""``GET /anuncios`` and ``GET /avisos`` answered from a kept page, ahead of
FastAPI's routing and dependencies.

The innermost middleware (inside the request edge, observability, compression and
the instance header, which treat its answer as any other): a request that is
plainly one the list route would take, by a caller whose login session is cached
alive, for a page kept current (``items.pages``), is answered with those bytes,
and the route is marked in the scope, so the metrics and the ``expotv.access``
line name it and its user, as they would have.

    plainly       GET, exactly the path, ``Authorization: Bearer <token>`` that
                  decodes as an access token; a query of at most ``limit``,
                  ``offset``, ``status``, ``q``, ``condominio_id``, each once,
                  not blank, within the route's own bounds
    cached alive  ``auth.sessions.cached_user_role`` (the same entry and
                  generation the route's ``CurrentUser`` trusts)

Everything else goes on, untouched, to the route, which answers it (401, 422, a
page built and kept): another path or method, a token only the database can
check, a value the route would refuse or read differently, a page not kept, and
an app whose dependencies a test overrides.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

from fastapi.routing import iter_route_contexts
from starlette.types import ASGIApp, Receive, Scope, Send

from expotv.auth import sessions, tokens
from expotv.content import ContentStatus
from expotv.context import context_of
from expotv.db import utcnow
from expotv.items.kind import ContentKind
from expotv.items.pages import PageKey
from expotv.schemas import MAX_ID

log = logging.getLogger(__name__)

# The route's bounds (``pagination.page_params``, ``items.dependencies``).
_INTEGERS = {
    "limit": (1, 200),
    "offset": (0, 10_000_000),
    "condominio_id": (1, MAX_ID),
}
_MAX_QUERY_CHARS = 200
_STATUSES = {status.value: status for status in ContentStatus}
_HEADERS = [(b"content-type", b"application/json")]


def page_key(kind: str, user_id: int, role: str, query: bytes) -> PageKey | None:
    """The ``PageKey`` the route would use for ``query``; None when it is not
    plainly valid (the route then answers it)."""
    values: dict[str, str] = {}
    try:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    except ValueError:
        return None
    for name, value in pairs:
        if name in values or not value:
            return None
        values[name] = value
    numbers: dict[str, int] = {"limit": 50, "offset": 0}
    for name, (low, high) in _INTEGERS.items():
        text = values.pop(name, None)
        if text is None:
            continue
        if not (text.isascii() and text.isdigit() and len(text) <= 10):
            return None
        number = int(text)
        if not low <= number <= high:
            return None
        numbers[name] = number
    status = values.pop("status", None)
    if status is not None and status not in _STATUSES:
        return None
    text = values.pop("q", None)
    if values or (text is not None and len(text) > _MAX_QUERY_CHARS):
        return None
    return PageKey(
        kind=kind,
        user_id=user_id,
        role=role,
        condominium_id=numbers.get("condominio_id"),
        status=status,
        query=text,
        limit=numbers["limit"],
        offset=numbers["offset"],
    )


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token if scheme.lower() == "bearer" and token else None
    return None


class ListFastPath:
    def __init__(
        self, app: ASGIApp, *, kinds: tuple[ContentKind[Any, Any, Any, Any], ...]
    ) -> None:
        self.app = app
        self._kinds = {kind.names.path: kind.names for kind in kinds}
        # path -> the list route (found on the first request: the scope's app).
        self._routes: dict[str, Any] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope["path"] not in self._kinds
            or scope.get("root_path")
        ):
            await self.app(scope, receive, send)
            return
        try:
            body = await self._kept(scope)
        except Exception:
            # Never worse than the route: it answers whatever went wrong here.
            log.exception("falha no caminho rápido das listas")
            body = None
        if body is None:
            await self.app(scope, receive, send)
            return
        headers = [(b"content-length", str(len(body)).encode()), *_HEADERS]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _kept(self, scope: Scope) -> bytes | None:
        app = scope.get("app")
        token = _bearer(scope)
        if app is None or token is None or getattr(app, "dependency_overrides", None):
            return None
        context = context_of(app)
        settings = context.settings
        if settings.auth_cache_seconds <= 0 or not context.pages.is_on:
            return None
        try:
            claims = tokens.decode(settings, token, expected=tokens.TokenType.ACCESS)
        except tokens.InvalidToken:
            return None
        now = utcnow()
        role = await sessions.cached_user_role(
            context.cache,
            user_id=claims.user_id,
            session_id=claims.session_id,
            now=now,
        )
        if role is None:
            return None
        names = self._kinds[scope["path"]]
        key = page_key(names.code, claims.user_id, role.value, scope["query_string"])
        if key is None:
            return None
        body, _ = await context.pages.look_up(key, now)
        if body is None:
            return None
        # What the route would have left for the metrics and the access line.
        scope["route"] = self._route(app, scope["path"])
        state = scope.setdefault("state", {})
        state["user_id"] = claims.user_id
        state["session_id"] = claims.session_id
        return body

    def _route(self, app: Any, path: str) -> Any:
        if self._routes is None:
            wanted = {f"list_{names.code}s": p for p, names in self._kinds.items()}
            routes = (c.original_route for c in iter_route_contexts(app.routes))
            self._routes = {
                wanted[name]: route
                for route in routes
                if (name := getattr(route, "name", None)) in wanted
            }
        return self._routes.get(path)
