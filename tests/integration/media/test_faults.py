"""Failures after the object was written: the database, the storage, the caller."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError

from expotv.ads.models import Ad
from expotv.config import Settings
from expotv.content import ContentStatus
from expotv.context import context_of
from expotv.db import session_scope
from expotv.media import service as media_service
from expotv.storage.base import StorageError
from expotv.storage.local import LocalStorage
from tests.integration.media import samples
from tests.integration.media.conftest import count_ads, media_files

NOW = datetime(2026, 2, 3, tzinfo=UTC)


class InjectedFailure(Exception):
    pass


class FlakyStorage(LocalStorage):
    """The app's real folder, whose second write fails (the thumbnail)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.puts = 0

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        self.puts += 1
        if self.puts == 2:
            raise StorageError("connection reset by peer")
        await super().put_file(key, path, content_type)


@pytest.mark.parametrize(
    "data", [samples.image_bytes("PNG"), samples.mp4_h264(), samples.webm_vp8()]
)
async def test_failure_after_the_row_was_flushed_leaves_nothing(
    media_client: httpx.AsyncClient,
    media_app: FastAPI,
    settings: Settings,
    data: bytes,
) -> None:
    response = await media_client.post(
        "/teste/midia", files={"arquivo": ("x", data)}, data={"falha": "depois"}
    )

    assert response.status_code == 503
    assert response.json()["detail"] == "falha injetada depois de gravar o arquivo"
    assert media_files(settings) == []
    assert await count_ads(media_app) == 0
    await context_of(media_app).media_queue.join()
    assert media_files(settings) == []


async def test_constraint_violation_at_flush_leaves_nothing(
    media_client: httpx.AsyncClient, media_app: FastAPI, settings: Settings
) -> None:
    response = await media_client.post(
        "/teste/midia",
        files={"arquivo": ("x", samples.image_bytes("JPEG"))},
        data={"falha": "restricao"},
    )

    assert response.status_code == 500
    assert media_files(settings) == []
    assert await count_ads(media_app) == 0


async def test_storage_failing_mid_upload_is_503_and_leaves_nothing(
    media_client: httpx.AsyncClient, media_app: FastAPI, settings: Settings
) -> None:
    context_of(media_app).storage = FlakyStorage(settings.media_dir)

    response = await media_client.post(
        "/teste/midia", files={"arquivo": ("x", samples.mp4_h264())}
    )

    assert response.status_code == 503
    assert "não foi possível gravar" in response.json()["detail"]
    assert media_files(settings) == []
    assert await count_ads(media_app) == 0


async def ingest_then_fail(app: FastAPI, settings: Settings) -> None:
    async with session_scope(context_of(app).sessionmaker) as session:
        await media_service.ingest(
            session,
            samples.upload(samples.phone_jpeg()),
            storage=context_of(app).storage,
            settings=settings,
            now=NOW,
        )
        assert len(media_files(settings)) == 2
        raise InjectedFailure()


async def test_ingest_inside_a_unit_of_work_that_raises_leaves_nothing(
    app: FastAPI, settings: Settings, clean: None
) -> None:
    with pytest.raises(InjectedFailure):
        await ingest_then_fail(app, settings)

    assert media_files(settings) == []


async def ingest_then_insert_a_bad_row(app: FastAPI, settings: Settings) -> None:
    async with session_scope(context_of(app).sessionmaker) as session:
        media = await media_service.ingest(
            session,
            samples.upload(samples.mov_h264()),
            storage=context_of(app).storage,
            settings=settings,
            now=NOW,
        )
        session.add(
            Ad(
                name="Vídeo",
                status=ContentStatus.ACTIVE,
                requested_status=ContentStatus.ACTIVE,
                media_key=media.key,
                created_by_id=987654,  # no such user: foreign key violation
            )
        )
        await session.flush()


async def test_database_rejecting_the_row_leaves_no_object(
    app: FastAPI, settings: Settings, clean: None
) -> None:
    with pytest.raises(IntegrityError):
        await ingest_then_insert_a_bad_row(app, settings)

    assert media_files(settings) == []
    assert await count_ads(app) == 0
