"""The local folder backend: atomic writes, safe keys, the disk-usage gauge."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from expotv.content import MediaKind
from expotv.storage import create_storage, keys
from expotv.storage.base import ObjectNotFound, StorageError
from expotv.storage.local import LocalStorage
from tests import support
from tests.conftest import make_settings

NOW = datetime(2026, 7, 8, tzinfo=UTC)


def disk_bytes() -> float:
    return support.sample_value("expotv_media_disk_bytes") or 0.0


def source(tmp_path: Path, size: int, name: str = "src") -> Path:
    path = tmp_path / name
    path.write_bytes(b"x" * size)
    return path


def test_default_backend_is_the_data_folder(tmp_path: Path) -> None:
    storage = create_storage(make_settings(tmp_path))
    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "media").resolve()
    assert storage.public_url("a") == "/media/a"


def test_file_url_and_public_base(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        storage_url=f"file://{tmp_path / 'elsewhere'}",
        public_media_url="https://cdn.example.com/m/",
    )
    storage = create_storage(settings)
    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "elsewhere").resolve()
    assert storage.public_url("k") == "https://cdn.example.com/m/k"


async def test_round_trip_without_temporary_leftovers(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    key = keys.media_key(MediaKind.IMAGE, "webp", NOW)

    await storage.put_file(key, source(tmp_path, 100), "image/webp")

    assert await storage.exists(key)
    assert [p.name for p in storage.path_for(key).parent.iterdir()] == [
        key.rsplit("/", 1)[1]
    ]
    copy = tmp_path / "copy"
    await storage.get_file(key, copy)
    assert copy.read_bytes() == b"x" * 100
    await storage.delete(key)
    assert not await storage.exists(key)
    await storage.delete(key)
    with pytest.raises(ObjectNotFound):
        await storage.get_file(key, copy)


@pytest.mark.parametrize(
    "key", ["../../etc/passwd", "imagem/../../x.png", "/etc/passwd", "media.db"]
)
async def test_keys_outside_the_layout_are_refused(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path / "media")
    with pytest.raises(StorageError):
        await storage.put_file(key, source(tmp_path, 1), "image/png")
    with pytest.raises(StorageError):
        await storage.delete(key)
    assert not (tmp_path / "etc").exists()


async def test_disk_gauge_follows_puts_and_deletes(tmp_path: Path) -> None:
    root = tmp_path / "media"
    storage = LocalStorage(root)
    existing = keys.media_key(MediaKind.IMAGE, "png", NOW)
    await LocalStorage(root).put_file(existing, source(tmp_path, 1000), "image/png")

    assert await storage.measure() == 1000
    assert disk_bytes() == 1000

    key = keys.media_key(MediaKind.VIDEO, "mp4", NOW)
    await storage.put_file(key, source(tmp_path, 5000), "video/mp4")
    assert disk_bytes() == 6000
    await storage.put_file(key, source(tmp_path, 3000), "video/mp4")  # replaced
    assert disk_bytes() == 4000
    await storage.delete(key)
    assert disk_bytes() == 1000
    await storage.delete(key)
    assert disk_bytes() == 1000


async def test_unusable_folder_fails_the_readiness_check(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    storage = LocalStorage(blocker / "media")
    with pytest.raises(StorageError):
        await storage.check()
    with pytest.raises(StorageError):
        await storage.put_file(
            keys.media_key(MediaKind.IMAGE, "png", NOW),
            source(tmp_path, 1),
            "image/png",
        )
    await LocalStorage(tmp_path / "ok").check()


async def test_listing_skips_temporaries_and_foreign_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    key = keys.media_key(MediaKind.VIDEO, "mp4", NOW)
    await storage.put_file(key, source(tmp_path, 7), "video/mp4")
    (storage.root / "notas.txt").write_text("x")
    (storage.path_for(key).parent / ".x.mp4.part").write_text("x")

    listed = [obj async for obj in storage.iter_objects()]

    assert [(obj.key, obj.size) for obj in listed] == [(key, 7)]
