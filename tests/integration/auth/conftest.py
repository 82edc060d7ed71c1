from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from expotv.config import Settings
from expotv.main import create_app

AppBuilder = Callable[..., Awaitable[FastAPI]]


@pytest.fixture
async def build_app(settings: Settings, clean: None) -> AsyncIterator[AppBuilder]:
    """A second app on the same database, with some settings changed."""
    async with AsyncExitStack() as stack:

        async def build(**overrides: Any) -> FastAPI:
            application = create_app(settings.model_copy(update=overrides))
            await stack.enter_async_context(
                LifespanManager(application, startup_timeout=30)
            )
            return application

        yield build
