"""Fixtures: the app on real SQLite and real MariaDB, migrated once per run.

Integration tests that take ``client`` (or ``app``) run once per database. Each
process migrates each database and starts its app once, on first use, and keeps
them for the run (``kept``), in whatever order its tests come. Each test starts
from empty tables and an empty cache.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import fastapi.dependencies.models
import httpx
import pytest
from fastapi import FastAPI

from expotv.cache.redis import RedisCache
from expotv.config import Environment, Settings
from expotv.context import context_of
from expotv.main import create_app
from expotv.users.models import Role, User
from tests import support

DATABASES = os.environ.get("EXPOTV_TEST_DATABASES", "sqlite,mariadb").split(",")

# The longest modules (a minute or more of a worker's time each), longest first.
# ``make test`` hands whole modules to its workers in collection order
# (``--dist loadfile``); started first, the long ones end before the short ones
# instead of one of them running alone at the end of the run.
LONGEST_MODULES = [
    "tests/integration/test_openapi_fuzz.py",
    "tests/browser/painel/test_painel_pages.py",
    "tests/browser/painel/test_painel_flow.py",
    "tests/integration/authz/test_matrix.py",
    "tests/browser/test_player_playback.py",
    "tests/integration/test_hostile_inputs.py",
    "tests/integration/items/test_list_pages.py",
    "tests/integration/graphql/test_authz.py",
    "tests/multi/test_cluster.py",
    "tests/browser/test_player_layouts.py",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest modules first, the rest in their usual order (a stable sort:
    each module's tests keep theirs)."""
    rank = {path: index for index, path in enumerate(LONGEST_MODULES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": Environment.TEST,
        "data_dir": data_dir,
        "jwt_secret": "test-secret-" + "x" * 32,
        "run_jobs": False,
        "log_json": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# FastAPI remembers, per endpoint and dependency callable, whether it is a coroutine
# or a generator, in LRU caches of 4,096 entries each: the closures of every app a
# test builds stay referenced, and each whole app with them, until some 175 newer
# apps push them out (over a gigabyte in one worker). Forgotten after each test.
_FASTAPI_CALLABLE_CACHES = [
    getattr(fastapi.dependencies.models, name, None)
    for name in (
        "_is_gen_callable_cached",
        "_is_async_gen_callable_cached",
        "_is_coroutine_callable_cached",
    )
]


@pytest.fixture(autouse=True)
def _release_apps() -> Iterator[None]:
    yield
    for cache in _FASTAPI_CALLABLE_CACHES:
        if cache is not None:
            cache.cache_clear()


@pytest.fixture(scope="session")
async def kept() -> AsyncIterator[support.Kept]:
    """What outlives one test: per database kind, its database and running app."""
    values = support.Kept()
    try:
        yield values
    finally:
        await values.aclose()


@pytest.fixture(scope="module")
async def module_kept() -> AsyncIterator[support.Kept]:
    """What outlives one test but not its module (a module's servers)."""
    values = support.Kept()
    try:
        yield values
    finally:
        await values.aclose()


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest) -> str:
    """The kind of database the test runs on (it runs once per kind)."""
    kind: str = request.param
    return kind


@pytest.fixture
async def database_url(
    database: str, kept: support.Kept, tmp_path_factory: pytest.TempPathFactory
) -> str:
    return await kept.get(
        ("database", database),
        lambda: support.fresh_database(database, tmp_path_factory.mktemp(database)),
    )


def _migrated(database_url: str, data_dir: Path) -> contextlib.nullcontext[Settings]:
    result = make_settings(data_dir, database_url=database_url)
    support.migrate(result)
    return contextlib.nullcontext(result)


@pytest.fixture
async def settings(
    database_url: str, kept: support.Kept, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """The settings of the database's app, migrated once per process."""
    return await kept.get(
        ("settings", database_url),
        lambda: _migrated(database_url, tmp_path_factory.mktemp("data")),
    )


@pytest.fixture
async def app(settings: Settings, kept: support.Kept) -> FastAPI:
    """The database's app, started once per process and kept running."""
    return await kept.get(
        ("app", settings.database_url),
        lambda: support.started(create_app(settings)),
    )


@pytest.fixture
async def clean(app: FastAPI) -> AsyncIterator[None]:
    yield
    context = context_of(app)
    # Playback state kept in the process: background rebuilds, unwritten pings.
    await context.playlists.drain()
    if context.heartbeats is not None:
        context.heartbeats.reset()
    if context.ping_limit is not None:
        context.ping_limit.reset()
    if context.shared_pings is not None:
        context.shared_pings.reset()
    async with context.sessionmaker() as session:
        await support.truncate_all(session)
    cache = context.cache
    if isinstance(cache, RedisCache):
        await cache.flush()
    else:
        await cache.close()
    context.playlists.reset()
    await context.limiter.reset()


AppBuilder = Callable[..., Awaitable[FastAPI]]


@pytest.fixture
async def build_app(settings: Settings, clean: None) -> AsyncIterator[AppBuilder]:
    """Another app on the same database, with some settings changed (running
    until the test ends)."""
    async with AsyncExitStack() as stack:

        async def build(**overrides: Any) -> FastAPI:
            application = create_app(settings.model_copy(update=overrides))
            return await stack.enter_async_context(support.started(application))

        yield build


@pytest.fixture
async def client(app: FastAPI, clean: None) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver"
    ) as c:
        yield c


@pytest.fixture
def factory(app: FastAPI, settings: Settings) -> support.Factory:
    return support.Factory(sessionmaker=context_of(app).sessionmaker, settings=settings)


@pytest.fixture
async def admin(factory: support.Factory, clean: None) -> User:
    return await factory.user(Role.ADMIN, name="Master Teste")


@pytest.fixture
async def admin_headers(factory: support.Factory, admin: User) -> dict[str, str]:
    return await factory.headers(admin)


@pytest.fixture
def is_mariadb(database_url: str) -> bool:
    return database_url.startswith("mysql")
