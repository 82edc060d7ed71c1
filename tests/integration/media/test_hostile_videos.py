"""Videos made to cost the server: refused from their headers, before decoding,
with a 422 naming the limit, little time and memory, and nothing left behind.

The limits are the defaults (3840×2160, 10 minutes); the attack files are small.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from expotv.ads.models import Ad
from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.content import ContentStatus
from expotv.context import context_of
from expotv.db import session_scope, utcnow
from expotv.media import service as media_service
from expotv.media import tasks
from tests.cost import MB, WALL_SECONDS, measured
from tests.integration.media import samples
from tests.integration.media.conftest import (
    RecordingQueue,
    count_ads,
    media_files,
    refusal,
    upload_ad,
    waiting_ad,
)


@pytest.fixture(scope="session")
def square_8k(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    target = tmp_path_factory.mktemp("hostile") / "8192.mp4"
    samples.write_square_h264(8192, target)
    return target.read_bytes()


async def test_an_8192_square_h264_is_refused_before_it_is_decoded(
    client: httpx.AsyncClient,
    app: FastAPI,
    admin_headers: dict[str, str],
    condo: Condominium,
    settings: Settings,
    square_8k: bytes,
) -> None:
    assert len(square_8k) < 300_000  # small on disk; ~1 GB once decoded

    with measured() as cost:
        response = await upload_ad(client, admin_headers, condo, square_8k)

    message = refusal(response, "video_dimensions_too_large")
    assert "(8192×8192)" in message
    assert "o limite é 3840×2160" in message
    # One decoded 8192×8192 frame alone is 100 MB.
    assert cost.peak_growth_bytes < 40 * MB, cost
    assert cost.cpu_seconds < 2.0, cost
    assert cost.seconds < WALL_SECONDS, cost
    assert media_files(settings) == []
    assert await count_ads(app) == 0


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(samples.long_video(3600), id="mp4-header"),
        # WebM headers give no track length: the packets are walked, and the
        # walk stops at the limit.
        pytest.param(samples.long_video(3600, "webm", "libvpx"), id="webm-scan"),
    ],
)
async def test_an_hour_long_video_is_refused(
    client: httpx.AsyncClient,
    app: FastAPI,
    admin_headers: dict[str, str],
    condo: Condominium,
    settings: Settings,
    data: bytes,
) -> None:
    assert len(data) < 10_000

    with measured() as cost:
        response = await upload_ad(client, admin_headers, condo, data)

    assert "o limite é 10 min" in refusal(response, "video_too_long")
    assert cost.cpu_seconds < 2.0, cost
    assert cost.seconds < WALL_SECONDS, cost
    assert media_files(settings) == []
    assert await count_ads(app) == 0


async def test_a_video_lying_about_its_length_is_refused_while_remuxing(
    client: httpx.AsyncClient,
    app: FastAPI,
    admin_headers: dict[str, str],
    condo: Condominium,
    settings: Settings,
) -> None:
    liar = samples.with_declared_duration(samples.long_video(3600), seconds=5)

    response = await upload_ad(client, admin_headers, condo, liar)

    assert "o limite é 10 min" in refusal(response, "video_too_long")
    assert media_files(settings) == []
    assert await count_ads(app) == 0


async def test_a_video_within_the_limits_still_plays(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    condo: Condominium,
) -> None:
    data = samples.long_video(600)  # exactly 10 minutes

    response = await upload_ad(client, admin_headers, condo, data)

    assert response.status_code == 201, response.text
    assert response.json()["duracao"] == 600
    assert response.json()["status"] == "ativo"


async def test_a_conversion_past_its_budget_ends_in_erro_leaving_only_the_thumbnail(
    app: FastAPI, clean: None, settings: Settings
) -> None:
    budgeted = settings.model_copy(update={"media_conversion_timeout_seconds": 0.01})
    async with session_scope(context_of(app).sessionmaker) as session:
        media = await media_service.ingest(
            session,
            samples.upload(samples.slow_to_convert()),
            storage=context_of(app).storage,
            settings=budgeted,
            now=utcnow(),
            queue=RecordingQueue(),
        )
        ad = waiting_ad(media, "Lento")
        session.add(ad)
    context = tasks.MediaContext(
        budgeted, context_of(app).storage, context_of(app).sessionmaker
    )

    outcome = await tasks.convert_upload(context, media.key)

    assert outcome is tasks.Outcome.FAILED
    async with context_of(app).sessionmaker() as session:
        failed = await session.get(Ad, ad.id)
    assert failed is not None
    assert failed.status is ContentStatus.ERROR
    assert failed.media_error is not None
    assert "passou do tempo limite de 0,01 s" in failed.media_error
    # The original and any output are gone; the item keeps its poster.
    assert media_files(settings) == [media.thumbnail_key]
