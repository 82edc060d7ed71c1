"""S3/R2 storage against a real S3-compatible server on loopback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.ads.models import Ad
from expotv.config import Environment, Settings
from expotv.content import ContentStatus, MediaKind
from expotv.context import context_of
from expotv.db import commit, rollback, session_scope
from expotv.media import service as media_service
from expotv.media import tasks
from expotv.media.exceptions import MediaStorageFailed
from expotv.storage import create_storage, keys
from expotv.storage.base import ObjectNotFound, StorageError
from expotv.storage.s3 import S3Storage, parse_storage_url
from tests.integration.media import samples
from tests.integration.media.conftest import RecordingQueue, waiting_ad
from tests.integration.storage.conftest import PREFIX, bucket_keys, s3_settings

pytestmark = pytest.mark.s3

NOW = datetime(2026, 6, 7, tzinfo=UTC)


def source_file(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "source.bin"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://bucket", ("bucket", "")),
        ("s3://bucket/", ("bucket", "")),
        ("s3://bucket/a/b/", ("bucket", "a/b/")),
    ],
)
def test_storage_url_gives_bucket_and_prefix(
    url: str, expected: tuple[str, str]
) -> None:
    assert parse_storage_url(url) == expected


@pytest.mark.parametrize("url", ["s3://", "file:///tmp/x", "bucket"])
def test_bad_storage_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="S3"):
        parse_storage_url(url)


async def test_settings_build_a_working_client(
    storage_settings: Settings, s3_storage: S3Storage, tmp_path: Path
) -> None:
    storage = create_storage(storage_settings)
    assert isinstance(storage, S3Storage)
    key = keys.media_key(MediaKind.IMAGE, "gif", NOW)

    await storage.put_file(key, source_file(tmp_path, b"GIF89a"), "image/gif")

    assert await s3_storage.exists(key)
    assert storage.public_url(key) == s3_storage.public_url(key)
    await storage.close()


def test_production_requires_a_public_media_url(
    tmp_path: Path, s3_endpoint: str, bucket: str
) -> None:
    settings = s3_settings(
        tmp_path,
        s3_endpoint,
        bucket,
        environment=Environment.PRODUCTION,
        jwt_secret="p" * 40,
    )
    with pytest.raises(ValueError, match="EXPOTV_PUBLIC_MEDIA_URL"):
        S3Storage.from_settings(settings)


def test_public_urls_use_the_configured_base(
    tmp_path: Path, s3_endpoint: str, bucket: str
) -> None:
    settings = s3_settings(
        tmp_path, s3_endpoint, bucket, public_media_url="https://cdn.example.com/"
    )
    storage = S3Storage.from_settings(settings)
    key = keys.media_key(MediaKind.IMAGE, "png", NOW)
    assert storage.public_url(key) == f"https://cdn.example.com/{PREFIX}/{key}"


async def test_round_trip_with_long_lived_public_caching(
    s3_storage: S3Storage, tmp_path: Path, s3_endpoint: str, bucket: str
) -> None:
    key = keys.media_key(MediaKind.IMAGE, "png", NOW)
    data = samples.image_bytes("PNG")

    await s3_storage.put_file(key, source_file(tmp_path, data), "image/png")

    assert await s3_storage.exists(key)
    assert bucket_keys(s3_storage) == [f"{PREFIX}/{key}"]
    head = s3_storage.client.head_object(Bucket=bucket, Key=f"{PREFIX}/{key}")
    assert head["ContentType"] == "image/png"
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    copy = tmp_path / "copy.png"
    await s3_storage.get_file(key, copy)
    assert copy.read_bytes() == data
    # Without EXPOTV_PUBLIC_MEDIA_URL the URL is endpoint/bucket/key (path style).
    url = s3_storage.public_url(key)
    assert url == f"{s3_endpoint}/{bucket}/{PREFIX}/{key}"
    async with httpx.AsyncClient() as http:
        assert (await http.get(url)).content == data

    await s3_storage.delete(key)
    assert not await s3_storage.exists(key)
    await s3_storage.delete(key)  # already gone: not an error
    assert bucket_keys(s3_storage) == []


async def test_large_files_go_up_in_parts(
    s3_storage: S3Storage, tmp_path: Path
) -> None:
    key = keys.media_key(MediaKind.VIDEO, "mp4", NOW)
    data = bytes(range(256)) * (40 * 1024)  # 10 MiB: past boto3's multipart threshold
    await s3_storage.put_file(key, source_file(tmp_path, data), "video/mp4")
    copy = tmp_path / "copy"
    await s3_storage.get_file(key, copy)
    assert copy.read_bytes() == data


async def test_missing_object_is_object_not_found(
    s3_storage: S3Storage, tmp_path: Path
) -> None:
    key = keys.media_key(MediaKind.VIDEO, "mp4", NOW)
    with pytest.raises(ObjectNotFound):
        await s3_storage.get_file(key, tmp_path / "x")


async def test_readiness_check(s3_storage: S3Storage) -> None:
    await s3_storage.check()
    missing = S3Storage(s3_storage.client, "no-such-bucket-x", public_base_url="/")
    with pytest.raises(StorageError):
        await missing.check()


@pytest.mark.parametrize(
    "data",
    [samples.phone_jpeg(), samples.mov_h264(), samples.webm_vp8()],
    ids=["image", "remuxed-video", "pending-conversion"],
)
async def test_ingest_stores_in_the_bucket_and_rollback_removes_it(
    s3_storage: S3Storage, storage_settings: Settings, data: bytes
) -> None:
    session = AsyncSession()
    media = await media_service.ingest(
        session,
        samples.upload(data),
        storage=s3_storage,
        settings=storage_settings,
        now=NOW,
        queue=RecordingQueue(),
    )
    assert len(bucket_keys(s3_storage)) == 2
    assert media.url == s3_storage.public_url(media.key)

    await rollback(session)

    assert bucket_keys(s3_storage) == []


async def test_storage_failing_mid_upload_leaves_nothing_in_the_bucket(
    s3_storage: S3Storage, storage_settings: Settings
) -> None:
    class SecondWriteFails(S3Storage):
        puts = 0

        async def put_file(self, key: str, path: Path, content_type: str) -> None:
            self.puts += 1
            if self.puts == 2:
                raise StorageError("connection reset")
            await super().put_file(key, path, content_type)

    flaky = SecondWriteFails(
        s3_storage.client,
        s3_storage.bucket,
        prefix=s3_storage.prefix,
        public_base_url=s3_storage.public_base_url,
    )
    with pytest.raises(MediaStorageFailed):
        await media_service.ingest(
            AsyncSession(),
            samples.upload(samples.mp4_h264()),
            storage=flaky,
            settings=storage_settings,
            now=NOW,
        )
    assert bucket_keys(s3_storage) == []


async def test_a_bucket_that_refuses_writes_is_a_503(
    s3_storage: S3Storage, storage_settings: Settings
) -> None:
    storage = S3Storage(s3_storage.client, "no-such-bucket-y", public_base_url="/")
    with pytest.raises(MediaStorageFailed) as caught:
        await media_service.ingest(
            AsyncSession(),
            samples.upload(samples.image_bytes("PNG")),
            storage=storage,
            settings=storage_settings,
            now=NOW,
        )
    assert caught.value.status_code == 503


async def test_conversion_worker_reads_and_writes_the_bucket(
    app: FastAPI, clean: None, s3_storage: S3Storage, storage_settings: Settings
) -> None:
    queue = RecordingQueue()
    async with session_scope(context_of(app).sessionmaker) as session:
        media = await media_service.ingest(
            session,
            samples.upload(samples.avi_mpeg4()),
            storage=s3_storage,
            settings=storage_settings,
            now=NOW,
            queue=queue,
        )
        session.add(waiting_ad(media, "No R2"))
    assert queue.keys == [media.key]

    context = tasks.MediaContext(
        storage_settings, s3_storage, context_of(app).sessionmaker
    )
    outcome = await tasks.convert_upload(context, media.key)

    assert outcome is tasks.Outcome.READY
    assert bucket_keys(s3_storage) == sorted(
        [f"{PREFIX}/{media.key}", f"{PREFIX}/{media.thumbnail_key}"]
    )
    async with httpx.AsyncClient() as http:
        body = (await http.get(media.url)).content
    converted = Path(storage_settings.data_dir) / "converted.mp4"
    converted.write_bytes(body)
    assert samples.video_facts(converted).codecs == [("video", "h264")]


async def test_a_conversion_past_its_budget_leaves_only_the_poster_in_the_bucket(
    app: FastAPI, clean: None, s3_storage: S3Storage, storage_settings: Settings
) -> None:
    budgeted = storage_settings.model_copy(
        update={
            "media_conversion_timeout_seconds": 0.01,
            "max_video_bytes": 10 * 1024 * 1024,
        }
    )
    async with session_scope(context_of(app).sessionmaker) as session:
        media = await media_service.ingest(
            session,
            samples.upload(samples.slow_to_convert()),
            storage=s3_storage,
            settings=budgeted,
            now=NOW,
            queue=RecordingQueue(),
        )
        ad = waiting_ad(media, "Lento no R2")
        session.add(ad)
    assert f"{PREFIX}/{keys.upload_key(media.key)}" in bucket_keys(s3_storage)

    context = tasks.MediaContext(budgeted, s3_storage, context_of(app).sessionmaker)
    outcome = await tasks.convert_upload(context, media.key)

    assert outcome is tasks.Outcome.FAILED
    async with context_of(app).sessionmaker() as session:
        failed = await session.get(Ad, ad.id)
    assert failed is not None
    assert failed.status is ContentStatus.ERROR
    assert "tempo limite" in (failed.media_error or "")
    assert bucket_keys(s3_storage) == [f"{PREFIX}/{media.thumbnail_key}"]


async def test_commit_keeps_what_ingest_stored(
    s3_storage: S3Storage, storage_settings: Settings
) -> None:
    session = AsyncSession()
    media = await media_service.ingest(
        session,
        samples.upload(samples.image_bytes("WEBP")),
        storage=s3_storage,
        settings=storage_settings,
        now=NOW,
    )
    await commit(session)
    assert await s3_storage.exists(media.key)
    assert await s3_storage.exists(media.thumbnail_key or "")


async def test_listing_gives_the_keys_under_the_prefix(
    s3_storage: S3Storage, tmp_path: Path
) -> None:
    stored = sorted(keys.media_key(MediaKind.IMAGE, "png", NOW) for _ in range(3))
    for key in stored:
        await s3_storage.put_file(key, source_file(tmp_path, b"x"), "image/png")
    # Not ours: another prefix, and a name outside the key layout.
    s3_storage.client.put_object(Bucket=s3_storage.bucket, Key="outro/x.png", Body=b"")
    s3_storage.client.put_object(
        Bucket=s3_storage.bucket, Key=f"{PREFIX}/notas.txt", Body=b""
    )

    listed = [obj async for obj in s3_storage.iter_objects()]

    assert sorted(obj.key for obj in listed) == stored
    assert all(obj.size == 1 for obj in listed)
    assert all(obj.modified_at.tzinfo is not None for obj in listed)
