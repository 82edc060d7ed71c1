from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from expotv.cache.redis import RedisLink
from expotv.config import Settings
from expotv.context import context_of
from expotv.db import create_engine, create_sessionmaker
from expotv.jobs.locks import DatabaseJobCoordinator, RedisJobCoordinator
from tests import support


@pytest.fixture
def database_coordinator(app: FastAPI, clean: None) -> DatabaseJobCoordinator:
    return DatabaseJobCoordinator(context_of(app).engine, context_of(app).sessionmaker)


@pytest.fixture
async def other_instance(settings: Settings) -> AsyncIterator[DatabaseJobCoordinator]:
    """The coordinator of a second process: its own engine and connections."""
    engine = create_engine(settings)
    yield DatabaseJobCoordinator(engine, create_sessionmaker(engine))
    await engine.dispose()


@pytest.fixture
def redis_prefix() -> str:
    return f"expotv-test-{support.run_id()}"


@pytest.fixture
async def redis_links(redis_prefix: str) -> AsyncIterator[list[RedisLink]]:
    """Two instances' links to the shared Redis (one key prefix). With a 5 s socket
    bound, not production's 0.5 s: these tests are about the locks, and on a loaded
    CI machine a connect can take longer, which would fall back to local locks."""
    links = [
        RedisLink.from_url(support.REDIS_URL, prefix=redis_prefix, socket_timeout=5.0)
        for _ in "ab"
    ]
    yield links
    async for name in links[0].client.scan_iter(match=f"{redis_prefix}:*"):
        await links[0].client.delete(name)
    for link in links:
        await link.close()


@pytest.fixture
def redis_coordinators(
    redis_links: list[RedisLink], database_coordinator: DatabaseJobCoordinator
) -> list[RedisJobCoordinator]:
    return [
        RedisJobCoordinator(link, fallback=database_coordinator) for link in redis_links
    ]
