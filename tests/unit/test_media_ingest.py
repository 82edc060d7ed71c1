"""``media.service.ingest`` with real files and a real local storage folder.

The session is a plain ``AsyncSession`` with no database: ingest only queues its
after-commit / after-rollback effects on it, which ``expotv.db.commit`` /
``rollback`` run.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.config import Settings
from expotv.content import MediaKind
from expotv.db import commit, rollback
from expotv.errors import PayloadTooLarge, Unavailable, UnsupportedMedia
from expotv.media import service
from expotv.media.exceptions import (
    ImageDimensionsTooLarge,
    MediaStorageFailed,
    MediaTooLarge,
    MediaTypeNotAccepted,
    MediaUndecodable,
)
from expotv.storage import keys
from expotv.storage.base import StorageError
from expotv.storage.local import LocalStorage
from tests import support
from tests.conftest import make_settings
from tests.integration.media import samples

NOW = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)
IMAGE_LIMIT = 40_000
VIDEO_LIMIT = 150_000


class RecordingQueue:
    def __init__(self) -> None:
        self.keys: list[str] = []

    async def enqueue(self, key: str) -> None:
        self.keys.append(key)


class BrokenQueue:
    async def enqueue(self, key: str) -> None:
        raise ConnectionError("redis down")


class FlakyStorage(LocalStorage):
    """A real folder whose ``fail_on``-th write fails (1-based)."""

    def __init__(self, root: Path, fail_on: int) -> None:
        super().__init__(root)
        self.fail_on = fail_on
        self.puts = 0

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        self.puts += 1
        if self.puts == self.fail_on:
            raise StorageError("disk full")
        await super().put_file(key, path, content_type)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path,
        max_image_bytes=IMAGE_LIMIT,
        max_video_bytes=VIDEO_LIMIT,
        max_image_pixels=1_000_000,
    )


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "media")


def uploads(result: str) -> float:
    return support.sample_value("expotv_uploads_total", {"result": result}) or 0.0


def files(storage: LocalStorage) -> list[str]:
    return samples.stored_files(storage.root)


async def ingest(
    data: bytes,
    *,
    storage: LocalStorage,
    settings: Settings,
    session: AsyncSession | None = None,
    queue: service.ConversionQueue | None = None,
) -> service.StoredMedia:
    return await service.ingest(
        session or AsyncSession(),
        samples.upload(data, "qualquer-nome.png"),
        storage=storage,
        settings=settings,
        now=NOW,
        queue=queue,
    )


def padded_png(size: int) -> bytes:
    data = samples.image_bytes("PNG", (16, 16))
    return data + b"\x00" * (size - len(data))  # bytes after IEND are ignored


def padded_mp4(size: int) -> bytes:
    data = samples.mp4_h264(audio=None, frames=3)
    free = size - len(data)
    return data + struct.pack(">I4s", free, b"free") + b"\x00" * (free - 8)


@pytest.mark.parametrize(
    ("data", "kind", "ext"),
    [
        (samples.image_bytes("PNG"), MediaKind.IMAGE, "png"),
        (samples.phone_jpeg(), MediaKind.IMAGE, "jpg"),
        (samples.image_bytes("WEBP"), MediaKind.IMAGE, "webp"),
        (samples.animated_gif(), MediaKind.IMAGE, "gif"),
        (samples.mp4_h264(), MediaKind.VIDEO, "mp4"),
        (samples.mov_h264(), MediaKind.VIDEO, "mp4"),
    ],
)
async def test_accepted_files_are_stored_with_a_thumbnail(
    data: bytes,
    kind: MediaKind,
    ext: str,
    storage: LocalStorage,
    settings: Settings,
) -> None:
    session = AsyncSession()
    ok_before = uploads("ok")

    media = await ingest(data, storage=storage, settings=settings, session=session)
    await commit(session)

    assert media.kind is kind
    assert media.key.startswith(f"{kind.value}/2026/05/04/")
    assert media.key.endswith(f".{ext}")
    assert media.url == f"/media/{media.key}"
    assert media.thumbnail_key == keys.thumbnail_key(media.key)
    assert media.thumbnail_url == f"/media/{media.thumbnail_key}"
    assert not media.needs_processing
    assert files(storage) == sorted([media.key, media.thumbnail_key])
    assert uploads("ok") == ok_before + 1
    if kind is MediaKind.VIDEO:
        assert media.duration_seconds == 2
        facts = samples.video_facts(storage.path_for(media.key))
        assert facts.codecs == [("video", "h264")]
        assert facts.moov_before_mdat
    else:
        assert media.duration_seconds is None


@pytest.mark.parametrize(
    "data",
    [samples.image_bytes("PNG"), samples.mp4_h264(), samples.webm_vp8()],
    ids=["image", "remuxed-video", "pending-conversion"],
)
async def test_rollback_removes_every_object(
    data: bytes, storage: LocalStorage, settings: Settings
) -> None:
    session = AsyncSession()
    queue = RecordingQueue()
    error_before = uploads("error")
    await ingest(data, storage=storage, settings=settings, session=session, queue=queue)
    assert files(storage)

    await rollback(session)

    assert files(storage) == []
    assert queue.keys == []
    assert uploads("error") == error_before + 1


async def test_image_at_the_limit_passes_and_one_byte_more_is_413(
    storage: LocalStorage, settings: Settings
) -> None:
    await ingest(padded_png(IMAGE_LIMIT), storage=storage, settings=settings)
    stored = files(storage)

    with pytest.raises(MediaTooLarge) as caught:
        await ingest(padded_png(IMAGE_LIMIT + 1), storage=storage, settings=settings)

    assert isinstance(caught.value, PayloadTooLarge)
    assert caught.value.status_code == 413
    assert "imagens" in caught.value.detail
    assert files(storage) == stored


async def test_video_at_the_limit_passes_and_one_byte_more_is_413(
    storage: LocalStorage, settings: Settings
) -> None:
    await ingest(padded_mp4(VIDEO_LIMIT), storage=storage, settings=settings)
    stored = files(storage)

    with pytest.raises(MediaTooLarge) as caught:
        await ingest(padded_mp4(VIDEO_LIMIT + 1), storage=storage, settings=settings)

    assert "vídeos" in caught.value.detail
    assert files(storage) == stored


async def test_a_big_upload_is_not_read_past_the_limit(
    storage: LocalStorage, settings: Settings
) -> None:
    upload = samples.upload(padded_png(IMAGE_LIMIT * 50))
    with pytest.raises(MediaTooLarge):
        await service.ingest(
            AsyncSession(), upload, storage=storage, settings=settings, now=NOW
        )
    assert upload.file.tell() <= IMAGE_LIMIT + service.CHUNK_BYTES


@pytest.mark.parametrize(
    ("data", "error", "status"),
    [
        (b"isto e um texto chamado foto.png", MediaTypeNotAccepted, 415),
        (b"", MediaUndecodable, 422),
        (samples.image_bytes("PNG", (200, 200))[:120], MediaUndecodable, 422),
        (samples.bomb_png(2000, 1000), ImageDimensionsTooLarge, 422),
        (samples.huge_png_header(30_000, 30_000), ImageDimensionsTooLarge, 422),
        (samples.mp4_h264()[:400], MediaUndecodable, 422),
    ],
    ids=["text", "empty", "truncated-png", "too-many-pixels", "bomb", "truncated-mp4"],
)
async def test_rejected_files_leave_nothing_behind(
    data: bytes,
    error: type[Exception],
    status: int,
    storage: LocalStorage,
    settings: Settings,
) -> None:
    rejected_before = uploads("rejected")
    with pytest.raises(error) as caught:
        await ingest(data, storage=storage, settings=settings)
    assert getattr(caught.value, "status_code", None) == status
    assert files(storage) == []
    assert uploads("rejected") == rejected_before + 1


async def test_415_is_an_unsupported_media_error(
    storage: LocalStorage, settings: Settings
) -> None:
    with pytest.raises(UnsupportedMedia):
        await ingest(b"<html>oi</html>", storage=storage, settings=settings)


@pytest.mark.parametrize("fail_on", [1, 2])
async def test_storage_failing_mid_upload_leaves_no_object(
    fail_on: int, tmp_path: Path, settings: Settings
) -> None:
    storage = FlakyStorage(tmp_path / "flaky", fail_on=fail_on)
    error_before = uploads("error")

    with pytest.raises(MediaStorageFailed) as caught:
        await ingest(samples.mp4_h264(), storage=storage, settings=settings)

    assert isinstance(caught.value, Unavailable)
    assert caught.value.status_code == 503
    assert files(storage) == []
    assert uploads("error") == error_before + 1


async def test_other_videos_wait_for_conversion_after_commit(
    storage: LocalStorage, settings: Settings
) -> None:
    session = AsyncSession()
    queue = RecordingQueue()

    media = await ingest(
        samples.webm_vp8(),
        storage=storage,
        settings=settings,
        session=session,
        queue=queue,
    )

    assert media.needs_processing
    assert media.kind is MediaKind.VIDEO
    assert media.key.endswith(".mp4")
    assert media.duration_seconds == 2
    assert files(storage) == sorted([keys.upload_key(media.key), media.thumbnail_key])
    assert queue.keys == []  # nothing runs before the item is committed

    await commit(session)

    assert queue.keys == [media.key]


async def test_without_a_queue_the_conversion_runs_inline(
    storage: LocalStorage, settings: Settings
) -> None:
    media = await ingest(samples.avi_mpeg4(), storage=storage, settings=settings)

    assert not media.needs_processing
    facts = samples.video_facts(storage.path_for(media.key))
    assert facts.codecs == [("video", "h264")]
    assert files(storage) == sorted([media.key, media.thumbnail_key])


async def test_a_queue_failure_at_commit_does_not_fail_the_request(
    storage: LocalStorage, settings: Settings
) -> None:
    session = AsyncSession()
    media = await ingest(
        samples.webm_vp8(),
        storage=storage,
        settings=settings,
        session=session,
        queue=BrokenQueue(),
    )
    await commit(session)  # logged; the worker's start-up sweep retries it
    assert keys.upload_key(media.key) in files(storage)


async def test_discarded_media_goes_only_when_the_change_commits(
    storage: LocalStorage, settings: Settings
) -> None:
    old = await ingest(
        samples.webm_vp8(), storage=storage, settings=settings, queue=RecordingQueue()
    )
    assert files(storage)

    session = AsyncSession()
    service.discard_after_commit(session, storage, old.key, old.thumbnail_key, None)
    await rollback(session)
    assert files(storage)

    session = AsyncSession()
    service.discard_after_commit(session, storage, old.key, old.thumbnail_key, None)
    await commit(session)
    assert files(storage) == []  # the pending original went too


async def test_discard_survives_a_storage_failure(
    tmp_path: Path, settings: Settings
) -> None:
    class Undeletable(LocalStorage):
        async def delete(self, key: str) -> None:
            raise StorageError("permission denied")

    storage = Undeletable(tmp_path / "media")
    session = AsyncSession()
    service.discard_after_commit(
        session, storage, "imagem/2026/05/04/" + "a" * 32 + ".png"
    )
    await commit(session)  # logged, not raised: the commit already happened
