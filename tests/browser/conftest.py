"""A real uvicorn on 127.0.0.1 with demo data, and Debian's Chromium via Playwright."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from playwright.async_api import Browser, async_playwright

from expotv.demo import run_demo
from tests import support
from tests.conftest import make_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


@dataclass
class DemoServer:
    base_url: str
    tv_codes: list[str]


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    settings = make_settings(tmp_path_factory.mktemp("browser"))
    support.migrate(settings)
    result = support.run_in_thread(
        lambda: asyncio.run(run_demo(settings, quiet_if_filled=True))
    )
    with support.live_server(settings) as server:
        yield DemoServer(server.base_url, result.tv_codes)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield instance
        await instance.close()
