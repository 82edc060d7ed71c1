"""The orphan sweep: what a crash left in storage goes, what items use stays."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from expotv.ads.models import Ad
from expotv.config import Settings
from expotv.content import ContentStatus, MediaKind
from expotv.context import context_of
from expotv.db import session_scope, utcnow
from expotv.media import queue as media_queue
from expotv.media import service as media_service
from expotv.media.jobs import sweep_orphans
from expotv.storage import keys
from tests import support
from tests.integration.media import samples
from tests.integration.media.conftest import media_files


class DroppingQueue:
    async def enqueue(self, key: str) -> None:
        return None


async def store_item(app: FastAPI, settings: Settings, data: bytes) -> Ad:
    async with session_scope(context_of(app).sessionmaker) as session:
        media = await media_service.ingest(
            session,
            samples.upload(data),
            storage=context_of(app).storage,
            settings=settings,
            now=utcnow(),
            queue=DroppingQueue(),
        )
        ad = Ad(
            name="Em uso",
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
    return ad


async def leave_orphan(app: FastAPI, tmp_path: Path) -> str:
    """An object whose request died between the write and the commit."""
    key = keys.media_key(MediaKind.IMAGE, "png", utcnow())
    source = tmp_path / "orphan.png"
    source.write_bytes(samples.image_bytes("PNG"))
    await context_of(app).storage.put_file(key, source, "image/png")
    return key


async def test_sweep_deletes_only_old_unreferenced_objects(
    app: FastAPI, settings: Settings, clean: None, tmp_path: Path
) -> None:
    image = await store_item(app, settings, samples.image_bytes("JPEG"))
    pending = await store_item(app, settings, samples.webm_vp8())
    orphan = await leave_orphan(app, tmp_path)
    kept = sorted(
        [
            image.media_key or "",
            image.thumbnail_key or "",
            keys.upload_key(pending.media_key or ""),
            pending.thumbnail_key or "",
        ]
    )
    assert media_files(settings) == sorted([*kept, orphan])

    # Young objects may belong to an upload still in flight: left alone.
    assert (
        await sweep_orphans(
            context_of(app).sessionmaker, context_of(app).storage, now=utcnow()
        )
        == 0
    )
    assert orphan in media_files(settings)

    later = utcnow() + timedelta(days=1)
    deleted = await sweep_orphans(
        context_of(app).sessionmaker, context_of(app).storage, now=later
    )

    assert deleted == 1
    assert media_files(settings) == kept


async def test_a_pending_original_goes_once_its_item_failed(
    app: FastAPI, settings: Settings, clean: None
) -> None:
    pending = await store_item(app, settings, samples.webm_vp8())
    async with session_scope(context_of(app).sessionmaker) as session:
        ad = await session.get(Ad, pending.id)
        assert ad is not None
        ad.status = ContentStatus.ERROR

    later = utcnow() + timedelta(days=1)
    assert (
        await sweep_orphans(
            context_of(app).sessionmaker, context_of(app).storage, now=later
        )
        == 1
    )
    assert media_files(settings) == [pending.thumbnail_key]


async def test_start_up_housekeeping_measures_and_sweeps_when_jobs_run(
    app: FastAPI, settings: Settings, clean: None, tmp_path: Path
) -> None:
    orphan = await leave_orphan(app, tmp_path)
    path = context_of(app).storage.path_for(orphan)
    day_ago = (utcnow() - timedelta(days=1)).timestamp()
    os.utime(path, (day_ago, day_ago))

    context = context_of(app)
    await media_queue._housekeeping(  # noqa: SLF001
        context.storage, context.sessionmaker, sweep=False
    )
    assert orphan in media_files(settings)  # an instance that runs no jobs

    await media_queue._housekeeping(  # noqa: SLF001
        context.storage, context.sessionmaker, sweep=True
    )
    assert media_files(settings) == []
    assert support.sample_value("expotv_media_disk_bytes") == 0
