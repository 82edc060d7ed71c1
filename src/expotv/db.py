"""Database plumbing: declarative base, engine factory, the request session.

A request gets one ``AsyncSession`` (``DbSession``). Services ``flush()``; the
dependency commits when the route returns and rolls back on error. Effects that must
wait for the commit (cache invalidation, WebSocket nudges) are queued with
``on_commit`` and run only after a successful commit.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol

from sqlalchemy import Column, DateTime, ForeignKey, MetaData, Table, event
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from expotv.config import Settings
from expotv.private_files import prepare_sqlite_file

logger = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite and MySQL keep no offset)."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=dialect.name == "postgresql"))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return (
            value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )


def association_table(name: str, owner: str, target: str) -> Table:
    """A many-to-many table ``name`` (``{owner}_id``, ``{target}_id``).

    Both ids form the key and cascade on delete; the target side has its own index
    (the key already serves lookups by owner).
    """
    return Table(
        name,
        Base.metadata,
        Column(
            f"{owner}_id",
            ForeignKey(f"{owner}.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column(
            f"{target}_id",
            ForeignKey(f"{target}.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        ),
    )


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        prepare_sqlite_file(url)
        engine = create_async_engine(
            url, echo=settings.database_echo, connect_args={"timeout": 30}
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # READ COMMITTED on MariaDB/MySQL (PostgreSQL's default): a read after waiting
    # for a lock must see what the other transaction committed, or quota counts
    # taken behind quota_lock_statement would read a stale snapshot.
    return create_async_engine(
        url,
        echo=settings.database_echo,
        connect_args=_timeouts(url, settings),
        isolation_level="READ COMMITTED",
        pool_pre_ping=True,
        pool_recycle=1800,
        pool_size=10,
        max_overflow=20,
        pool_timeout=10,
    )


def _timeouts(url: str, settings: Settings) -> dict[str, Any]:
    """Client-side bounds, so a server that accepts and never answers (a
    black-holed failover) fails fast enough for the TV path's circuit breaker:
    connecting (TCP and handshake) and each statement, pool pre-ping included."""
    connect = settings.database_connect_timeout_seconds
    statement = settings.database_statement_timeout_seconds
    if url.startswith("postgresql+asyncpg"):
        return {"timeout": connect, "command_timeout": statement}
    if url.startswith("mysql+asyncmy"):
        # read_timeout also covers the handshake: connect_timeout is TCP only.
        return {
            "connect_timeout": max(1, math.ceil(connect)),
            "read_timeout": statement,
        }
    return {}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class UnitOfWorkHook(Protocol):
    """Applies what a unit of work recorded (``session.info``), once it ends.

    Services only record data (``content_changed``, ``conversion_needed``); the
    owner of the unit of work runs the hooks of the context that built its
    sessionmaker, so no service needs to know where the invalidator or the media
    queue lives.
    """

    async def after_commit(self, session: AsyncSession) -> None: ...

    async def after_rollback(self, session: AsyncSession) -> None: ...


class SessionFactory(async_sessionmaker[AsyncSession]):
    """The sessionmaker a context builds: plain sessions, plus the hooks that
    ``session_scope`` (and so ``DbSession``) runs when a unit of work ends."""

    def __init__(self, engine: AsyncEngine) -> None:
        # A session class of its own: events listened to on it (``items.pages``)
        # concern this factory's sessions only, not another context's.
        self.session_class: type[Session] = type("ContextSession", (Session,), {})
        super().__init__(
            engine,
            expire_on_commit=False,
            autoflush=False,
            sync_session_class=self.session_class,
        )
        self.hooks: list[UnitOfWorkHook] = []


def create_sessionmaker(engine: AsyncEngine) -> SessionFactory:
    return SessionFactory(engine)


AfterCommit = Callable[[], Awaitable[None]]


def on_commit(session: AsyncSession, effect: AfterCommit) -> None:
    """Run ``effect`` after the next successful commit (dropped on rollback)."""
    session.info.setdefault("after_commit", []).append(effect)


def on_rollback(session: AsyncSession, effect: AfterCommit) -> None:
    """Run ``effect`` if this unit of work rolls back (e.g. delete a stored object)."""
    session.info.setdefault("after_rollback", []).append(effect)


async def _run_isolated(what: str, effects: Iterable[AfterCommit]) -> None:
    # Each on its own: the transaction has already ended, so a failing effect must
    # neither skip the others nor replace the request's own answer (a 401 that
    # rolled back must not become a 500 because a clean-up failed).
    for effect in effects:
        try:
            await effect()
        except Exception:
            logger.exception("efeito %s falhou: %r", what, effect)


async def commit(session: AsyncSession, hooks: Sequence[UnitOfWorkHook] = ()) -> None:
    """Commit, then run the effects queued with ``on_commit`` and the hooks."""
    await session.commit()
    session.info.pop("after_rollback", None)
    effects: list[AfterCommit] = session.info.pop("after_commit", [])
    await _run_isolated("após o commit", effects)
    await _run_isolated(
        "após o commit", [partial(hook.after_commit, session) for hook in hooks]
    )


async def rollback(session: AsyncSession, hooks: Sequence[UnitOfWorkHook] = ()) -> None:
    """Roll back, drop the commit effects and run the rollback ones and the hooks."""
    session.info.pop("after_commit", None)
    await session.rollback()
    effects: list[AfterCommit] = session.info.pop("after_rollback", [])
    await _run_isolated("após o rollback", effects)
    await _run_isolated(
        "após o rollback", [partial(hook.after_rollback, session) for hook in hooks]
    )


@asynccontextmanager
async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A unit of work: commit, or roll back on error, then run the effects.

    With a context's ``SessionFactory`` the recorded changes are applied after the
    commit (playlists invalidated, conversions queued); a plain sessionmaker
    (scripts, migrations) has nothing to apply them to.
    """
    hooks = sessionmaker.hooks if isinstance(sessionmaker, SessionFactory) else ()
    async with sessionmaker() as session:
        try:
            yield session
            await commit(session, hooks)
        except BaseException:
            await rollback(session, hooks)
            raise
