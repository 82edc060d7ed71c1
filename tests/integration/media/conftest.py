"""Fixtures for the media tests.

``media_app`` is a second app on the same database with small upload limits and a
test-only route, ``POST /teste/midia``, that stores an upload, writes an anúncio
row and can then fail on purpose (after the object was written). Its client
reports unhandled errors as 500s, the way a real server would.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import APIRouter, FastAPI, File, Form, UploadFile
from sqlalchemy import func, select

from expotv.ads.models import Ad
from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.content import ContentStatus, MediaKind
from expotv.context import context_of
from expotv.db import utcnow
from expotv.deps import AppSettings, DbSession, Storage
from expotv.errors import Unavailable
from expotv.main import create_app
from expotv.media import service as media_service
from expotv.users.models import User
from tests.integration.media import samples
from tests.support import Factory

IMAGE_LIMIT = 40_000
VIDEO_LIMIT = 150_000
SMALL_LIMITS: dict[str, Any] = {
    "max_image_bytes": IMAGE_LIMIT,
    "max_video_bytes": VIDEO_LIMIT,
    "max_image_pixels": 1_000_000,
}

fault_router = APIRouter()


class RecordingQueue:
    """A conversion queue that only remembers what it was given."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    async def enqueue(self, key: str) -> None:
        self.keys.append(key)


def waiting_ad(media: media_service.StoredMedia, name: str, **fields: Any) -> Ad:
    """An anúncio whose video waits for its conversion, as the ads service makes it."""
    return Ad(
        name=name,
        status=ContentStatus.PROCESSING,
        requested_status=ContentStatus.ACTIVE,
        media_kind=MediaKind.VIDEO,
        media_key=media.key,
        archive_url=media.url,
        thumbnail_key=media.thumbnail_key,
        thumbnail_url=media.thumbnail_url,
        **fields,
    )


@pytest.fixture
async def condo(factory: Factory, admin: User) -> Condominium:
    result: Condominium = await factory.add(Condominium(name="Residencial Central"))
    return result


async def upload_ad(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    condo: Condominium,
    data: bytes,
    *,
    name: str = "clip.bin",
    **fields: Any,
) -> httpx.Response:
    """``POST /anuncios`` with ``data`` as its file, for ``condo``."""
    form = {"nome": "Padaria", "condominios_ids": str(condo.id), **fields}
    return await client.post(
        "/anuncios",
        data=form,
        files={"arquivo": (name, data, "application/octet-stream")},
        headers=headers,
    )


def refusal(response: httpx.Response, code: str) -> str:
    """The message of a 422 about ``arquivo`` (FastAPI's list shape)."""
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    [problem] = body["detail"]
    assert problem["loc"] == ["body", "arquivo"]
    message: str = problem["msg"]
    return message


@fault_router.post("/teste/midia", status_code=201)
async def upload_then_maybe_fail(
    session: DbSession,
    storage: Storage,
    settings: AppSettings,
    arquivo: UploadFile = File(...),
    falha: str = Form(""),
) -> dict[str, Any]:
    """Test-only: ingest, add an anúncio, flush, then fail as asked."""
    media = await media_service.ingest(
        session, arquivo, storage=storage, settings=settings, now=utcnow()
    )
    ad = Ad(
        # NOT NULL violation at flush, after the object was written.
        name=None if falha == "restricao" else "Teste",  # type: ignore[arg-type]
        status=ContentStatus.PROCESSING
        if media.needs_processing
        else ContentStatus.ACTIVE,
        requested_status=ContentStatus.ACTIVE,
        media_kind=media.kind,
        media_key=media.key,
        archive_url=media.url,
        thumbnail_key=media.thumbnail_key,
        thumbnail_url=media.thumbnail_url,
    )
    session.add(ad)
    await session.flush()
    if falha == "depois":
        raise Unavailable("falha injetada depois de gravar o arquivo")
    return {"id": ad.id, "key": media.key}


@pytest.fixture(autouse=True)
def empty_media_folder(settings: Settings) -> None:
    """Each media test starts from an empty folder, so "nothing left" is exact."""
    shutil.rmtree(settings.media_dir, ignore_errors=True)


def media_files(settings: Settings) -> list[str]:
    return samples.stored_files(settings.media_dir)


async def count_ads(app: FastAPI) -> int:
    async with context_of(app).sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Ad)) or 0)


@pytest.fixture
async def media_app(settings: Settings, clean: None) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update=SMALL_LIMITS))
    application.include_router(fault_router)
    async with LifespanManager(application, startup_timeout=30):
        yield application


@pytest.fixture
async def media_client(media_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=media_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver"
    ) as c:
        yield c
