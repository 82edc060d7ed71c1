"""Animated images made to cost the server: refused before their frames are
decoded (422 naming the limit, little time and memory, nothing left behind), and
decoding bounded per process.

The limits are the defaults: 600 frames, 50,000,000 pixels over all frames.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.main import create_app
from expotv.media import images
from tests.cost import MB, WALL_SECONDS, measured
from tests.integration.media import samples
from tests.integration.media.conftest import (
    count_ads,
    fault_router,
    media_files,
    refusal,
    upload_ad,
)


@pytest.mark.parametrize(
    ("frames", "side"),
    [
        # 3.4 MB; it took 72 s of CPU inside the request and was stored whole.
        pytest.param(130_000, 1, id="130000x1x1"),
        # It took 10.7 s and left the process 384 MB larger.
        pytest.param(19_000, 64, id="19000x64x64"),
    ],
)
async def test_a_gif_of_too_many_frames_is_refused_before_decoding(
    client: httpx.AsyncClient,
    app: FastAPI,
    admin_headers: dict[str, str],
    condo: Condominium,
    settings: Settings,
    frames: int,
    side: int,
) -> None:
    data = samples.many_frame_gif(frames, side=side)
    assert len(data) < settings.max_image_bytes

    with measured() as cost:
        response = await upload_ad(client, admin_headers, condo, data)

    assert "quadros demais: o limite é 600 quadros" in refusal(
        response, "animation_too_large"
    )
    assert cost.cpu_seconds < 3.0, cost
    assert cost.seconds < WALL_SECONDS, cost
    assert cost.peak_growth_bytes < 30 * MB, cost
    assert media_files(settings) == []
    assert await count_ads(app) == 0


async def test_a_gif_within_the_frame_count_but_over_the_pixels_is_refused(
    client: httpx.AsyncClient,
    app: FastAPI,
    admin_headers: dict[str, str],
    condo: Condominium,
    settings: Settings,
) -> None:
    # 500 frames of 320×320 hold 51,200,000 pixels once decoded (205 MB as RGBA).
    data = samples.many_frame_gif(500, side=320)

    with measured() as cost:
        response = await upload_ad(client, admin_headers, condo, data)

    message = refusal(response, "animation_too_large")
    assert "500 quadros de 320×320" in message
    assert "limite de 50.000.000 pixels" in message
    assert cost.cpu_seconds < 3.0, cost
    assert cost.seconds < WALL_SECONDS, cost
    assert cost.peak_growth_bytes < 30 * MB, cost
    assert media_files(settings) == []
    assert await count_ads(app) == 0


async def test_an_animation_within_the_limits_is_kept(
    client: httpx.AsyncClient, admin_headers: dict[str, str], condo: Condominium
) -> None:
    response = await upload_ad(
        client, admin_headers, condo, samples.animation("GIF", frames=600)
    )

    assert response.status_code == 201, response.text


class Overlap:
    """Counts how many decodes run at the same moment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = 0
        self.most = 0

    def wrap(self, process: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.running += 1
                self.most = max(self.most, self.running)
            try:
                return process(*args, **kwargs)
            finally:
                with self._lock:
                    self.running -= 1

        return counted


@pytest.fixture
async def one_decode_app(settings: Settings, clean: None) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update={"media_decode_threads": 1}))
    application.include_router(fault_router)
    async with LifespanManager(application, startup_timeout=30):
        yield application


async def test_uploads_decode_at_most_the_configured_number_at_once(
    one_decode_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    overlap = Overlap()
    monkeypatch.setattr(images, "process_image", overlap.wrap(images.process_image))
    data = samples.animation("GIF", frames=150, size=(320, 240))
    transport = httpx.ASGITransport(app=one_decode_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        responses = await asyncio.gather(
            *(
                client.post("/teste/midia", files={"arquivo": ("a.gif", data)})
                for _ in range(4)
            )
        )

    assert [r.status_code for r in responses] == [201] * 4
    assert overlap.most == 1
