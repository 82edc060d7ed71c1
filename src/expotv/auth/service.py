"""Logins, token pairs and their rotation, session revocation.

sign in     ``open_session``: the credentials checked (throttled), one
            AuthSession (its id is the tokens' ``sid``); then the API's login
            issues its first pair (``issue_tokens``: one RefreshToken), the
            dashboard sets its cookie
refresh     the presented RefreshToken is marked used, a new one is issued;
            a used one presented again revokes the whole session (its family)
logout      the session is revoked: its access tokens die with it, since
            ``CurrentUser`` checks the session on every request (through a brief
            cache that every revocation here retires: ``expotv.auth.sessions``)
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from pydantic import MISSING
from sqlalchemy import CursorResult, delete, or_, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from expotv.auth import sessions, tokens
from expotv.auth.exceptions import (
    InvalidCredentials,
    InvalidRefreshToken,
    RefreshTokenReused,
    WrongPassword,
)
from expotv.auth.models import AuthSession, RefreshToken
from expotv.auth.passwords import hash_password, verify_password
from expotv.auth.ratelimit import LoginThrottle
from expotv.auth.schemas import LoginRequest, MeUpdate
from expotv.config import Settings
from expotv.db import on_rollback
from expotv.users import repository as user_repository
from expotv.users.models import User
from expotv.users.schemas import LEVEL_BY_ROLE

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int


async def hash_in_thread(password: str) -> str:
    # Argon2 takes ~0.1 s of CPU: off the event loop.
    return await asyncio.to_thread(hash_password, password)


async def verify_in_thread(password: str, password_hash: str | None) -> bool:
    return await asyncio.to_thread(verify_password, password, password_hash)


def _session_lifetime(settings: Settings) -> timedelta:
    # A session outlives every token it issued, so an access token never
    # survives its session's expiry nor dies before its own ``exp``.
    return timedelta(
        seconds=max(settings.refresh_token_seconds, settings.access_token_seconds)
    )


@dataclass(frozen=True, slots=True)
class SignIn:
    """One sign-in attempt: the credentials sent, from which address, and when."""

    credentials: LoginRequest
    address: str
    now: datetime


async def open_session(
    session: AsyncSession,
    attempt: SignIn,
    *,
    throttle: LoginThrottle,
    settings: Settings,
) -> tuple[User, AuthSession]:
    """Check the credentials (throttled) and start a login session.

    Shared by the API's token login and the dashboard's cookie sign-in, so both
    obey the same throttle and the same rules.
    """
    credentials, address, now = attempt.credentials, attempt.address, attempt.now
    email = credentials.email.strip().lower()
    await throttle.ensure_allowed(email=email, address=address)
    user = await user_repository.get_by_email(session, email)
    # An unknown email still pays for one hash check: both failures take as long.
    is_valid = await verify_in_thread(
        credentials.password, user.password_hash if user else None
    )
    if user is None or not is_valid:
        await throttle.record_failure(email=email, address=address)
        raise InvalidCredentials()
    if not user.is_active:
        raise InvalidCredentials()
    await throttle.record_success(email=email)
    auth_session = AuthSession(
        id=tokens.new_id(),
        user_id=user.id,
        created_at=now,
        expires_at=now + _session_lifetime(settings),
    )
    session.add(auth_session)
    await session.flush()
    return user, auth_session


async def issue_tokens(
    session: AsyncSession,
    user: User,
    auth_session: AuthSession,
    *,
    settings: Settings,
    now: datetime,
) -> IssuedTokens:
    access_until = now + timedelta(seconds=settings.access_token_seconds)
    access = tokens.sign(
        settings,
        tokens.TokenClaims.of_session(
            auth_session, tokens.TokenType.ACCESS, expires_at=access_until
        ),
        now=now,
        extra={"email": user.email, "nivel": LEVEL_BY_ROLE[user.role].value},
    )
    refresh_until = now + timedelta(seconds=settings.refresh_token_seconds)
    refresh = tokens.TokenClaims.of_session(
        auth_session, tokens.TokenType.REFRESH, expires_at=refresh_until
    )
    session.add(
        RefreshToken(
            jti=refresh.jti, session_id=auth_session.id, expires_at=refresh_until
        )
    )
    await session.flush()
    return IssuedTokens(
        access_token=access,
        refresh_token=tokens.sign(settings, refresh, now=now),
        expires_in=settings.access_token_seconds,
    )


def _refresh_claims(settings: Settings, refresh_token: str) -> tokens.TokenClaims:
    try:
        return tokens.decode(settings, refresh_token, expected=tokens.TokenType.REFRESH)
    except tokens.InvalidToken:
        raise InvalidRefreshToken() from None


async def refresh(
    session: AsyncSession, *, refresh_token: str, settings: Settings, now: datetime
) -> IssuedTokens:
    claims = _refresh_claims(settings, refresh_token)
    stored = await session.get(RefreshToken, claims.jti)
    auth_session = await session.get(AuthSession, claims.session_id)
    if (
        stored is None
        or auth_session is None
        or stored.session_id != auth_session.id
        or auth_session.user_id != claims.user_id
        or auth_session.revoked_at is not None
        or auth_session.expires_at <= now
    ):
        raise InvalidRefreshToken()
    if stored.used_at is not None:
        _revoke_family_after_failure(
            session, auth_session.id, auth_session.user_id, now
        )
        raise RefreshTokenReused()
    # The condition makes two concurrent uses race in the database: exactly one
    # wins, the other is a reuse (and ends the session, as a stolen token would).
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.jti == stored.jti, RefreshToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        _revoke_family_after_failure(
            session, auth_session.id, auth_session.user_id, now
        )
        raise RefreshTokenReused()
    user = await session.get(User, claims.user_id)
    if user is None or not user.is_active:
        raise InvalidRefreshToken()
    auth_session.expires_at = now + _session_lifetime(settings)
    return await issue_tokens(session, user, auth_session, settings=settings, now=now)


def _revoke_family_after_failure(
    session: AsyncSession, session_id: str, user_id: int, now: datetime
) -> None:
    """Revoke the session even though this request fails (and rolls back).

    The revocation must outlive the 401, so it runs in its own transaction after
    the request's rollback (on SQLite a second writer now would wait on our lock).
    """
    bind = session.bind

    async def revoke() -> None:
        if not isinstance(bind, AsyncEngine):  # pragma: no cover - always an engine
            log.error("refresh token reuse: cannot revoke session %s", session_id)
            return
        async with bind.begin() as conn:
            await conn.execute(
                update(AuthSession)
                .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        log.warning("refresh token reused: session %s revoked", session_id)

    on_rollback(session, revoke)
    sessions.user_changed_even_on_rollback(session, user_id)


async def logout(
    session: AsyncSession, *, refresh_token: str, settings: Settings, now: datetime
) -> None:
    claims = _refresh_claims(settings, refresh_token)
    await end_session(
        session, session_id=claims.session_id, user_id=claims.user_id, now=now
    )


async def end_session(
    session: AsyncSession, *, session_id: str, user_id: int, now: datetime
) -> None:
    """Revoke one login session: every token or cookie of it stops working."""
    # Idempotent: logging out of an ended session is still a success.
    await session.execute(
        update(AuthSession)
        .where(
            AuthSession.id == session_id,
            AuthSession.user_id == user_id,
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    sessions.user_changed(session, user_id)


async def revoke_user_sessions(
    session: AsyncSession,
    *,
    user_id: int,
    now: datetime,
    keep_session_id: str | None = None,
) -> None:
    """End the user's sessions (all, or all but ``keep_session_id``) at once."""
    statement = update(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    if keep_session_id is not None:
        statement = statement.where(AuthSession.id != keep_session_id)
    await session.execute(
        statement.values(revoked_at=now).execution_options(synchronize_session=False)
    )
    sessions.user_changed(session, user_id)


async def update_own_account(
    session: AsyncSession,
    user: User,
    changes: MeUpdate,
    *,
    session_id: str,
    throttle: LoginThrottle,
    now: datetime,
) -> User:
    """Change one's own name or password, after checking ``current_password``.

    The check is throttled with the account's login failures (``throttle``): a
    stolen token guessing the password is blocked where the login form is.
    """
    await throttle.ensure_password_check_allowed(email=user.email)
    password_hash = await sessions.refresh_password_hash(session, user)
    if not await verify_in_thread(changes.current_password, password_hash):
        await throttle.record_failure(email=user.email, address=None)
        raise WrongPassword()
    await throttle.record_success(email=user.email)
    changes.copy_sent(user, "name")
    sessions.user_changed(session, user.id)
    if changes.password is not MISSING:
        user.password_hash = await hash_in_thread(changes.password)
        # Whoever else holds this account loses it; the caller stays signed in.
        await revoke_user_sessions(
            session, user_id=user.id, now=now, keep_session_id=session_id
        )
    await session.flush()
    return user


async def purge_expired(session: AsyncSession, *, now: datetime) -> int:
    """Delete ended sessions and spent refresh tokens (for a clean-up job)."""
    spent = cast(
        CursorResult[Any],
        await session.execute(
            delete(RefreshToken)
            .where(RefreshToken.expires_at <= now)
            .execution_options(synchronize_session=False)
        ),
    )
    # Revoked sessions are kept for a day, so that a late reuse of one of their
    # refresh tokens is still answered as a reuse rather than as unknown.
    ended = cast(
        CursorResult[Any],
        await session.execute(
            delete(AuthSession)
            .where(
                or_(
                    AuthSession.expires_at <= now,
                    AuthSession.revoked_at <= now - timedelta(days=1),
                )
            )
            .execution_options(synchronize_session=False)
        ),
    )
    return int(spent.rowcount) + int(ended.rowcount)
