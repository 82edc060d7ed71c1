"""Helpers shared by the test suite: servers, fresh databases, factories."""

from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import contextlib
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Hashable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import event, exists, literal, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from starlette.types import ASGIApp, Receive, Scope, Send

from expotv.auth import passwords, tokens
from expotv.auth.models import AuthSession
from expotv.auth.passwords import hash_password
from expotv.config import Settings
from expotv.context import context_of
from expotv.db import utcnow
from expotv.migrate import upgrade
from expotv.models import Base
from expotv.observability import tally
from expotv.users.models import Role, User

MARIADB_ADMIN_URL = os.environ.get(
    "EXPOTV_TEST_MARIADB_URL", "mysql+asyncmy://root@127.0.0.1:3306/"
)
REDIS_URL = os.environ.get("EXPOTV_TEST_REDIS_URL", "redis://127.0.0.1:6379")
PASSWORD = "senha-de-teste-123"
# Hashing is deliberately slow; tests hash once and reuse it.
# The suite's argon2 cost (tests/__init__.py), for the users made here too.
passwords.configure(Settings(_env_file=None))  # type: ignore[call-arg]
PASSWORD_HASH = hash_password(PASSWORD)


T = TypeVar("T")


def run_id() -> str:
    """A short id unique to this test process (several CI runs share the servers)."""
    return f"{os.getpid()}_{uuid.uuid4().hex[:8]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def modules_loaded_after(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter holds after running ``code``
    (what a process imports is what it keeps in memory, and takes to start)."""
    probe = f"\nimport sys\nprint([m for m in {modules!r} if m in sys.modules])\n"
    result = subprocess.run(
        [sys.executable, "-c", code + probe],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    loaded: list[str] = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    return loaded


def run_in_thread(fn: Any, *args: Any) -> Any:
    """Run blocking code that owns its own event loop (Alembic's env.py)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


async def create_mariadb_database(name: str) -> str:
    engine = create_async_engine(MARIADB_ADMIN_URL)
    async with engine.connect() as conn:
        await conn.execute(
            text(
                f"CREATE DATABASE `{name}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        )
    await engine.dispose()
    return f"{MARIADB_ADMIN_URL.rstrip('/')}/{name}?charset=utf8mb4"


async def drop_mariadb_database(name: str) -> None:
    engine = create_async_engine(MARIADB_ADMIN_URL)
    async with engine.connect() as conn:
        await conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    await engine.dispose()


def migrate(settings: Settings) -> None:
    run_in_thread(upgrade, settings)


_CHILDREN_FIRST = list(reversed(Base.metadata.sorted_tables))
# One round trip names the tables that have rows: a test fills a few of them, and a
# DELETE of each empty one would cost MariaDB a statement and a commit per table.
_FILLED = union_all(
    *(select(literal(t.name)).where(exists().select_from(t)) for t in _CHILDREN_FIRST)
)


async def truncate_all(session: AsyncSession) -> None:
    """Empty every table (children first) so each test starts from nothing."""
    filled = set((await session.execute(_FILLED)).scalars())
    for table in _CHILDREN_FIRST:
        if table.name in filled:
            await session.execute(table.delete())
    await session.commit()


@contextlib.asynccontextmanager
async def started(application: FastAPI) -> AsyncIterator[FastAPI]:
    """``application`` with its lifespan running (its database, cache, workers)."""
    # Generous bounds: a loaded CI machine (three workers on two cores) stretches
    # both; a real hang still fails, with every task's stack to say where.
    try:
        async with LifespanManager(
            application, startup_timeout=30, shutdown_timeout=30
        ):
            yield application
    except TimeoutError:
        print_task_stacks("lifespan timed out")
        raise


def print_task_stacks(why: str) -> None:
    """Every asyncio task's await chain on stderr, innermost last (a hang's
    diagnosis: ``Task.print_stack`` shows one frame of a suspended coroutine)."""
    sys.stderr.write(f"--- {why}: every task's await chain ---\n")
    for task in asyncio.all_tasks():
        sys.stderr.write(f"{task.get_name()}:\n")
        awaited: Any = task.get_coro()
        while awaited is not None:
            frame = getattr(awaited, "cr_frame", None) or getattr(
                awaited, "ag_frame", None
            )
            if frame is not None:
                code = frame.f_code
                sys.stderr.write(
                    f"  {code.co_filename}:{frame.f_lineno} {code.co_name}\n"
                )
            else:
                sys.stderr.write(f"  {awaited!r}\n")
            awaited = getattr(awaited, "cr_await", None) or getattr(
                awaited, "ag_await", None
            )


class Kept:
    """Values made on first use, one per key, kept open until ``aclose()``.

    A fixture of a wide scope holds one (the session's apps, a module's servers),
    and narrower fixtures take from it: one migrated database and one running app
    per database kind and process, whatever order the tests run in (a parametrized
    session fixture keeps only its last value, so a worker alternating SQLite and
    MariaDB files would migrate and start them again for every file).
    """

    def __init__(self) -> None:
        self._stack = contextlib.AsyncExitStack()
        self._values: dict[Hashable, Any] = {}

    async def get(
        self,
        key: Hashable,
        make: Callable[[], AbstractAsyncContextManager[T] | AbstractContextManager[T]],
    ) -> T:
        if key not in self._values:
            opened = make()
            if isinstance(opened, AbstractAsyncContextManager):
                self._values[key] = await self._stack.enter_async_context(opened)
            else:
                self._values[key] = self._stack.enter_context(opened)
        value: T = self._values[key]
        return value

    async def aclose(self) -> None:
        """Close everything, the newest first (an app before its database)."""
        self._values.clear()
        await self._stack.aclose()


@dataclass
class Factory:
    """Creates rows directly (no HTTP), committed, for arranging tests."""

    sessionmaker: Any
    settings: Settings
    _seq: int = 0

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    async def user(self, role: Role = Role.ADMIN, **fields: Any) -> User:
        n = self._next()
        values: dict[str, Any] = {
            "name": f"Usuário {n}",
            "email": f"user{n}-{uuid.uuid4().hex[:6]}@example.com",
            "password_hash": PASSWORD_HASH,
            "role": role,
        }
        values.update(fields)
        async with self.sessionmaker() as session:
            user = User(**values)
            session.add(user)
            await session.commit()
            return user

    async def token(self, user: User) -> str:
        """An access token of a fresh login session of ``user``."""
        now = utcnow()
        session_id = tokens.new_id()
        async with self.sessionmaker() as session:
            session.add(
                AuthSession(
                    id=session_id,
                    user_id=user.id,
                    expires_at=now + timedelta(days=1),
                )
            )
            await session.commit()
        return tokens.encode(
            self.settings,
            token_type=tokens.TokenType.ACCESS,
            user_id=user.id,
            session_id=session_id,
            now=now,
            lifetime=timedelta(seconds=self.settings.access_token_seconds),
            extra={"email": user.email, "nivel": user.role.value},
        )

    async def headers(self, user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(user)}"}

    async def add(self, obj: Any) -> Any:
        async with self.sessionmaker() as session:
            session.add(obj)
            await session.commit()
            return obj


def client_at(app: ASGIApp, address: str) -> httpx.AsyncClient:
    """An HTTP client of ``app`` whose requests come from ``address``."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 40000)),
        base_url="http://testserver",
    )


class FromAddress:
    """``app`` seeing each request or WebSocket come from the address in its
    ``X-Test-Client`` header (Starlette's TestClient has one address per client,
    and one client per app lifespan)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            for name, value in scope["headers"]:
                if name == b"x-test-client":
                    scope = {**scope, "client": (value.decode(), 40000)}
        await self.app(scope, receive, send)


def run_sync(coro: Any) -> Any:
    return asyncio.get_event_loop().run_until_complete(coro)


@dataclass
class LiveServer:
    base_url: str
    settings: Settings


class _ServerThread:
    """uvicorn serving ``create_app(settings)`` on 127.0.0.1 in a thread of its own."""

    def __init__(self, settings: Settings) -> None:
        import threading

        import uvicorn

        from expotv.main import create_app

        self.port = free_port()
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        import time

        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn não iniciou")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@contextlib.contextmanager
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """Serve a migrated database over real HTTP for the duration of the block."""
    thread = _ServerThread(settings)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{thread.port}", settings)
    finally:
        thread.stop()


POSTGRES_ADMIN_URL = os.environ.get(
    "EXPOTV_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


async def create_postgres_database(name: str) -> str:
    engine = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8'"))
    await engine.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


async def drop_postgres_database(name: str) -> None:
    engine = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


@contextlib.asynccontextmanager
async def fresh_database(kind: str, data_dir: Any) -> Any:
    """A new, empty database of ``kind``: sqlite, mariadb or postgresql."""
    name = f"expotv_test_{run_id()}"
    if kind == "sqlite":
        yield f"sqlite:///{data_dir / 'fresh.db'}"
    elif kind == "mariadb":
        url = await create_mariadb_database(name)
        try:
            yield url
        finally:
            await drop_mariadb_database(name)
    elif kind == "postgresql":
        url = await create_postgres_database(name)
        try:
            yield url
        finally:
            await drop_postgres_database(name)
    else:  # pragma: no cover
        raise ValueError(kind)


@contextlib.contextmanager
def recorded_statements(app: FastAPI) -> Iterator[list[str]]:
    """Every SQL statement ``app``'s engine sends while the block runs."""
    seen: list[str] = []
    engine = context_of(app).engine.sync_engine

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def sample_value(name: str, labels: dict[str, str] | None = None) -> float | None:
    """A metric's sample in this process, with the per-request counts this
    process still holds (``expotv.observability.tally``) written out first."""
    tally.flush()
    return REGISTRY.get_sample_value(name, labels)
