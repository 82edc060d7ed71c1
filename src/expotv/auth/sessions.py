"""The per-request session check, cached briefly in the shared cache.

Every authenticated request asks "is this login session alive, and who is its
user?". The answer is kept for ``Settings.auth_cache_seconds`` under the session's
key, so a warm request runs no SQL for it; revocation still takes effect at once,
on every instance, through a per-user *generation*:

    auth-session:{sid}   the user's columns (never the password hash), the
                         session's expiry and the generation it was read under
    auth-user:{user_id}  the user's current generation (a random token)

A lookup reads both keys in one round trip and trusts the entry only while its
generation is the current one. Anything that ends a session or changes a user
(logout, password change, deactivation, deletion, role change, refresh-token
reuse) records the user on the unit of work (``user_changed``); after the commit
``SessionRevocations`` gives the user a new generation, which every instance sees
on its next lookup. The generation is read (or created) *before* the database is
asked, so a lookup that races a revocation stores an entry under the old
generation, which is never trusted. An entry never carries an empty generation:
an evicted or expired generation key makes every entry of that user a miss.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from expotv.auth.models import AuthSession
from expotv.cache import Cache, keys
from expotv.users.models import Role, User

log = logging.getLogger(__name__)

_CHANGED_KEY = "auth_users_changed"
_CHANGED_ON_ROLLBACK_KEY = "auth_users_changed_on_rollback"
# A generation outlives the entries read under it, so a live entry is not dropped
# for nothing when its generation key expires first.
_GENERATION_TTL_FACTOR = 4

# The user's columns an entry carries (the password hash stays in the database:
# ``refresh_password_hash`` reads it where it is needed).
_USER_FIELDS = (
    "id",
    "name",
    "email",
    "role",
    "is_active",
    "ad_limit",
    "notice_limit",
    "condominium_limit",
)


@dataclass(frozen=True, slots=True)
class _Entry:
    user: dict[str, Any]
    expires_at: datetime
    generation: str

    def encode(self) -> bytes:
        return json.dumps(
            {
                "u": self.user,
                "e": self.expires_at.timestamp(),
                "g": self.generation,
            },
            separators=(",", ":"),
        ).encode()

    @classmethod
    def decode(cls, raw: bytes) -> _Entry | None:
        try:
            data = json.loads(raw)
            return cls(
                user=dict(data["u"]),
                expires_at=datetime.fromtimestamp(float(data["e"]), UTC),
                generation=str(data["g"]),
            )
        except (ValueError, KeyError, TypeError):
            return None


def _user_columns(user: User) -> dict[str, Any]:
    columns: dict[str, Any] = {name: getattr(user, name) for name in _USER_FIELDS}
    columns["role"] = user.role.value
    columns["created_at"] = user.created_at.timestamp()
    columns["updated_at"] = user.updated_at.timestamp()
    return columns


def _user_from(session: AsyncSession, columns: dict[str, Any]) -> User | None:
    """A persistent ``User`` in ``session`` built from cached columns (no SQL)."""
    try:
        user = User(
            **{name: columns[name] for name in _USER_FIELDS if name != "role"},
            role=Role(columns["role"]),
            created_at=datetime.fromtimestamp(float(columns["created_at"]), UTC),
            updated_at=datetime.fromtimestamp(float(columns["updated_at"]), UTC),
        )
    except (KeyError, TypeError, ValueError):
        return None
    # As if loaded by a query: clean, with an identity; the password hash stays
    # unloaded (expired) until ``refresh_password_hash``.
    make_transient_to_detached(user)
    return _attach(session, user)


def _attach(session: AsyncSession, user: User) -> User:
    """Attach ``user`` to ``session`` without a query (the identity map wins)."""
    sync = session.sync_session
    existing = sync.identity_map.get(sync.identity_key(User, user.id))
    if isinstance(existing, User):
        return existing
    sync.add(user)
    return user


async def refresh_password_hash(session: AsyncSession, user: User) -> str:
    """The user's password hash (a user from the cache does not carry it)."""
    await session.refresh(user, ["password_hash"])
    return user.password_hash


async def _query_live_user(
    session: AsyncSession, *, user_id: int, session_id: str, now: datetime
) -> tuple[User, datetime] | None:
    row = (
        await session.execute(
            select(User, AuthSession.expires_at)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(
                User.id == user_id,
                User.is_active.is_(True),
                AuthSession.id == session_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > now,
            )
        )
    ).first()
    if row is None:
        return None
    user, expires_at = row
    return user, expires_at


async def _cached(
    cache: Cache, *, user_id: int, session_id: str, now: datetime
) -> tuple[dict[str, Any] | None, str | None]:
    """The cached user's columns when its entry is current (else None), and the
    user's generation (None when it has none)."""
    raw_entry, raw_generation = await cache.get_many(
        keys.auth_session(session_id), keys.auth_user_generation(user_id)
    )
    generation = raw_generation.decode() if raw_generation else None
    entry = _Entry.decode(raw_entry) if raw_entry else None
    if (
        entry is not None
        and generation is not None
        and entry.generation == generation
        and entry.user.get("id") == user_id
        and entry.expires_at > now
    ):
        return entry.user, generation
    return None, generation


async def cached_user_role(
    cache: Cache, *, user_id: int, session_id: str, now: datetime
) -> Role | None:
    """The user's level while its session is cached alive (no SQL); None: only
    the database can tell (``user_of_live_session``)."""
    columns, _ = await _cached(cache, user_id=user_id, session_id=session_id, now=now)
    try:
        return Role(columns["role"]) if columns else None
    except (KeyError, ValueError):
        return None


async def user_of_live_session(
    session: AsyncSession,
    *,
    cache: Cache | None,
    ttl_seconds: int,
    user_id: int,
    session_id: str,
    now: datetime,
) -> User | None:
    """The user, only while its login session is alive and the user active.

    From the cache when an entry of the current generation is there (no SQL),
    otherwise from the database, remembered for ``ttl_seconds``.
    """
    if cache is None or ttl_seconds <= 0:
        found = await _query_live_user(
            session, user_id=user_id, session_id=session_id, now=now
        )
        return found[0] if found else None
    session_key = keys.auth_session(session_id)
    generation_key = keys.auth_user_generation(user_id)
    columns, generation = await _cached(
        cache, user_id=user_id, session_id=session_id, now=now
    )
    if columns is not None:
        user = _user_from(session, columns)
        if user is not None:
            return user
    if generation is None:
        generation = secrets.token_hex(8)
        await cache.set(
            generation_key, generation.encode(), ttl_seconds * _GENERATION_TTL_FACTOR
        )
    found = await _query_live_user(
        session, user_id=user_id, session_id=session_id, now=now
    )
    if found is None:
        return None
    user, expires_at = found
    left = int((expires_at - now).total_seconds())
    if left > 0:
        entry = _Entry(
            user=_user_columns(user), expires_at=expires_at, generation=generation
        )
        await cache.set(session_key, entry.encode(), min(ttl_seconds, left))
    return user


def user_changed(session: AsyncSession, user_id: int) -> None:
    """Record that ``user_id``'s sessions or row change when ``session`` commits."""
    session.info.setdefault(_CHANGED_KEY, set()).add(user_id)


def user_changed_even_on_rollback(session: AsyncSession, user_id: int) -> None:
    """As ``user_changed``, for a revocation written whether or not this commits."""
    session.info.setdefault(_CHANGED_ON_ROLLBACK_KEY, set()).add(user_id)


class SessionRevocations:
    """The unit-of-work hook that retires the cached sessions of changed users."""

    def __init__(self, cache: Cache, *, ttl_seconds: int) -> None:
        self._cache = cache
        self._ttl_seconds = ttl_seconds

    async def after_commit(self, session: AsyncSession) -> None:
        users: set[int] = session.info.pop(_CHANGED_KEY, set())
        users |= session.info.pop(_CHANGED_ON_ROLLBACK_KEY, set())
        await self.retire(users)

    async def after_rollback(self, session: AsyncSession) -> None:
        session.info.pop(_CHANGED_KEY, None)
        await self.retire(session.info.pop(_CHANGED_ON_ROLLBACK_KEY, set()))

    async def retire(self, user_ids: set[int]) -> None:
        """Give each user a new generation: their cached sessions stop counting."""
        if self._ttl_seconds <= 0:
            return
        ttl = max(1, self._ttl_seconds) * _GENERATION_TTL_FACTOR
        for user_id in sorted(user_ids):
            await self._cache.set(
                keys.auth_user_generation(user_id),
                secrets.token_hex(8).encode(),
                ttl,
            )
