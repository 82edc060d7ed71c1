"""The dashboard's sign-in: a cookie naming one login session, and CSRF tokens.

    sign in     auth_service.open_session (the API login's throttle and checks)
                -> an AuthSession row -> cookie ``expotv_painel`` = a signed token
                naming that session (type ``browser``: never a bearer token)
    each page   the cookie's session must be alive and its user active
                (auth.sessions.user_of_live_session, as for bearer tokens), so a
                logout anywhere, a deactivation or a password change ends it at once
    sign out    auth_service.end_session

The cookie is HttpOnly, SameSite=Lax and Secure when the request came over HTTPS
(the scheme as the trusted proxy reported it). Writes carry a CSRF token derived
from the session id with the signing key (a form field, or the ``X-CSRF-Token``
header for fetch/XHR), so it needs no storage and dies with the session. The
sign-in form, before any session, uses a double-submit cookie instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.auth import sessions as auth_sessions
from expotv.auth import tokens
from expotv.auth.models import AuthSession
from expotv.config import Settings
from expotv.context import context_of
from expotv.db import utcnow
from expotv.deps import DbSession
from expotv.users.models import Role, User
from expotv.users.schemas import LEVEL_BY_ROLE

SESSION_COOKIE = "expotv_painel"
LOGIN_CSRF_COOKIE = "expotv_painel_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LOGIN_PATH = "/login"
HOME_PATH = "/painel"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

LEVEL_LABELS = {Role.ADMIN: "Master", Role.MANAGER: "Síndico", Role.VIEWER: "Visitante"}


class LoginRequired(Exception):
    """No live session: pages go to the sign-in form, JSON answers 401."""


class CsrfRejected(Exception):
    """A write without the right CSRF token."""


@dataclass(frozen=True, slots=True)
class Visitor:
    """The signed-in person of a dashboard request."""

    user: User
    session_id: str
    csrf: str

    @property
    def is_admin(self) -> bool:
        return self.user.role is Role.ADMIN

    @property
    def is_viewer(self) -> bool:
        return self.user.role is Role.VIEWER

    @property
    def level(self) -> str:
        return LEVEL_LABELS[self.user.role]

    @property
    def nivel(self) -> str:
        return LEVEL_BY_ROLE[self.user.role].value


def csrf_token(settings: Settings, session_id: str) -> str:
    message = f"painel-csrf:{session_id}".encode()
    return hmac.new(settings.signing_key.encode(), message, hashlib.sha256).hexdigest()


def is_secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(
    response: Response,
    request: Request,
    settings: Settings,
    auth_session: AuthSession,
    *,
    now: datetime,
) -> None:
    lifetime = auth_session.expires_at - now
    claims = tokens.TokenClaims.of_session(
        auth_session, tokens.TokenType.BROWSER, expires_at=auth_session.expires_at
    )
    value = tokens.sign(settings, claims, now=now)
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=max(1, int(lifetime.total_seconds())),
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_secure(request),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH)


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_secure(request),
    )


def login_csrf_token(request: Request) -> str:
    """The sign-in form's token: the one already in its cookie, or a new one."""
    token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return token if len(token) == 43 else secrets.token_urlsafe(32)


def remember_login_csrf(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path=LOGIN_PATH,
        httponly=True,
        samesite="strict",
        secure=is_secure(request),
    )


def session_claims(request: Request, settings: Settings) -> tokens.TokenClaims | None:
    value = request.cookies.get(SESSION_COOKIE)
    if not value or len(value) > 4096:
        return None
    try:
        return tokens.decode(settings, value, expected=tokens.TokenType.BROWSER)
    except tokens.InvalidToken:
        return None


async def _sent_token(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type.lower() in _FORM_TYPES:
        # Starlette keeps the parsed form: the route reads the same one.
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def check_csrf(request: Request) -> None:
    """Every write of the dashboard proves it comes from one of its own pages."""
    if request.method in _SAFE_METHODS:
        return
    settings: Settings = context_of(request.app).settings
    if request.url.path == LOGIN_PATH:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    else:
        claims = session_claims(request, settings)
        if claims is None:
            raise LoginRequired()
        expected = csrf_token(settings, claims.session_id)
    sent = await _sent_token(request)
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRejected()


async def find_visitor(
    request: Request, session: AsyncSession, *, now: datetime
) -> Visitor | None:
    context = context_of(request.app)
    settings: Settings = context.settings
    claims = session_claims(request, settings)
    if claims is None:
        return None
    user = await auth_sessions.user_of_live_session(
        session,
        cache=context.cache,
        ttl_seconds=settings.auth_cache_seconds,
        user_id=claims.user_id,
        session_id=claims.session_id,
        now=now,
    )
    if user is None:
        return None
    return Visitor(
        user=user,
        session_id=claims.session_id,
        csrf=csrf_token(settings, claims.session_id),
    )


async def current_visitor(request: Request, session: DbSession) -> Visitor:
    visitor = await find_visitor(request, session, now=utcnow())
    if visitor is None:
        raise LoginRequired()
    request.state.user_id = visitor.user.id
    # Error pages raised later in the request still show who is signed in.
    request.state.visitor = visitor
    return visitor


CurrentVisitor = Annotated[Visitor, Depends(current_visitor)]
