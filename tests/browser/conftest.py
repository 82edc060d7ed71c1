"""A real uvicorn on 127.0.0.1 with demo data, and Debian's Chromium via Playwright."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from playwright.async_api import Browser, async_playwright

from expotv.config import Settings
from expotv.demo import run_demo
from expotv.main import create_app
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
class LiveServer:
    base_url: str
    settings: Settings
    tv_codes: list[str]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("browser")
    settings = make_settings(data_dir)
    support.migrate(settings)
    result = support.run_in_thread(
        lambda: asyncio.run(run_demo(settings, quiet_if_filled=True))
    )
    port = support.free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_config=None, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn não iniciou")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", settings, result.tv_codes)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield instance
        await instance.close()
