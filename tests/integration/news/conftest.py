"""Fixtures for the news tests.

``feed_server`` is a threaded ``http.server`` on 127.0.0.1; tests register what
each path answers. ``feeds_app`` is a second app on the same database whose
settings allow private addresses, with a short timeout and a small size cap.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from expotv.config import Settings
from expotv.main import create_app
from tests import support
from tests.conftest import make_settings
from tests.integration.news.feedkit import FeedServer

FEED_TIMEOUT_SECONDS = 1.0
FEED_MAX_BYTES = 64 * 1024


@pytest.fixture(scope="session")
def _feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def feed_server(_feed_server: FeedServer) -> Iterator[FeedServer]:
    yield _feed_server
    _feed_server.reset()


@pytest.fixture
async def feed_settings(
    settings: Settings,
    module_kept: support.Kept,
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    # Depends on ``settings`` so the database is already migrated.
    return await module_kept.get(
        ("feed_settings", settings.database_url),
        lambda: contextlib.nullcontext(
            make_settings(
                tmp_path_factory.mktemp("feeds"),
                database_url=settings.database_url,
                feeds_allow_private=True,
                feeds_timeout_seconds=FEED_TIMEOUT_SECONDS,
                feeds_max_bytes=FEED_MAX_BYTES,
            )
        ),
    )


@pytest.fixture
async def feeds_app(feed_settings: Settings, module_kept: support.Kept) -> FastAPI:
    return await module_kept.get(
        ("feeds_app", feed_settings.database_url),
        lambda: support.started(create_app(feed_settings)),
    )


@pytest.fixture
async def feeds_client(
    feeds_app: FastAPI, clean: None
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=feeds_app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver"
    ) as c:
        yield c
