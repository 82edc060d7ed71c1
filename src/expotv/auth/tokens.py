"""JWTs exactly as the contract says: access and refresh, never interchangeable."""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import jwt

from expotv.auth.models import AuthSession
from expotv.config import Settings


class TokenType(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"
    # The dashboard's session cookie: names a login session, never a bearer token.
    BROWSER = "browser"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    session_id: str
    jti: str
    token_type: TokenType
    expires_at: datetime

    @classmethod
    def of_session(
        cls, auth_session: AuthSession, token_type: TokenType, *, expires_at: datetime
    ) -> TokenClaims:
        """A new token (a fresh ``jti``) of ``auth_session``: its user, its ``sid``."""
        return cls(
            auth_session.user_id, auth_session.id, new_id(), token_type, expires_at
        )


class InvalidToken(Exception):
    pass


def new_id() -> str:
    return uuid.uuid4().hex


def encode(
    settings: Settings,
    *,
    token_type: TokenType,
    user_id: int,
    session_id: str,
    now: datetime,
    lifetime: timedelta,
    jti: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    claims = TokenClaims(
        user_id, session_id, jti or new_id(), token_type, now + lifetime
    )
    return sign(settings, claims, now=now, extra=extra)


def sign(
    settings: Settings,
    claims: TokenClaims,
    *,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> str:
    """``claims`` as a signed JWT issued ``now``; ``extra``: more claims (the
    access token's ``email`` and ``nivel``)."""
    payload: dict[str, Any] = {
        "sub": str(claims.user_id),
        "typ": claims.token_type.value,
        "sid": claims.session_id,
        "jti": claims.jti,
        "iat": int(now.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
        **(extra or {}),
    }
    return jwt.encode(payload, settings.signing_key, algorithm=settings.jwt_algorithm)


@functools.lru_cache(maxsize=4096)
def _verified(token: str, key: str, algorithm: str) -> Mapping[str, Any]:
    """The claims of a token whose signature and claims check out (PyJWT).

    Kept per (token, key, algorithm): a client sends the same token on every
    request, and checking it again would give the same answer but for the
    expiry, which ``decode`` checks itself each time. A refused token raises,
    and is not kept.
    """
    return MappingProxyType(
        jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            options={"require": ["sub", "exp", "iat", "jti", "sid", "typ"]},
        )
    )


def decode(settings: Settings, token: str, *, expected: TokenType) -> TokenClaims:
    try:
        payload = _verified(token, settings.signing_key, settings.jwt_algorithm)
        if int(payload["exp"]) <= time.time():
            raise InvalidToken("Signature has expired")
        if payload["typ"] != expected.value:
            raise InvalidToken("wrong token type")
        return TokenClaims(
            user_id=int(payload["sub"]),
            session_id=str(payload["sid"]),
            jti=str(payload["jti"]),
            token_type=TokenType(payload["typ"]),
            expires_at=datetime.fromtimestamp(int(payload["exp"])).astimezone(),
        )
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc
