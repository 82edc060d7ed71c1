from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from expotv.observability.metrics import MEDIA_DISK_BYTES
from expotv.storage.base import ObjectNotFound, StorageError, StoredObject
from expotv.storage.keys import is_valid_key


class LocalStorage:
    """Objects as files under ``root``, served by the app under ``/media/``.

    The bytes used are measured once (``measure``) and then kept up to date on each
    put and delete, so ``expotv_media_disk_bytes`` never needs a folder walk per scrape.
    """

    def __init__(self, root: Path, public_base_url: str | None = None) -> None:
        self.root = root.resolve()
        self.public_base_url = (public_base_url or "/media").rstrip("/")
        self._used_bytes: int | None = None
        self._lock = threading.Lock()

    def path_for(self, key: str) -> Path:
        """The file of ``key``; anything but a well-formed key is refused."""
        if not is_valid_key(key):
            raise StorageError(f"invalid key {key!r}")
        path = self.root / key
        # The pattern already forbids "..", this guards against a future loosening.
        if not path.resolve().is_relative_to(self.root):
            raise StorageError(f"invalid key {key!r}")
        return path

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        await asyncio.to_thread(self._put, key, path)

    def _put(self, key: str, path: Path) -> None:
        target = self.path_for(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".part"
            )
            os.close(fd)
            tmp = Path(tmp_name)
            try:
                shutil.copyfile(path, tmp)
                size = tmp.stat().st_size
                replaced = _size_or_zero(target)
                os.replace(tmp, target)  # atomic: a reader never sees half a file
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StorageError(str(exc)) from exc
        self._add_usage(size - replaced)

    async def get_file(self, key: str, path: Path) -> None:
        await asyncio.to_thread(self._get, key, path)

    def _get(self, key: str, path: Path) -> None:
        source = self.path_for(key)
        try:
            shutil.copyfile(source, path)
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._delete, key)

    def _delete(self, key: str) -> None:
        path = self.path_for(key)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StorageError(str(exc)) from exc
        self._add_usage(-size)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path_for(key).is_file)

    def public_url(self, key: str) -> str:
        return f"{self.public_base_url}/{key}"

    async def iter_objects(self) -> AsyncIterator[StoredObject]:
        for found in await asyncio.to_thread(self._list):
            yield found

    def _list(self) -> list[StoredObject]:
        found: list[StoredObject] = []
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                path = Path(dirpath) / name
                key = path.relative_to(self.root).as_posix()
                if not is_valid_key(key):
                    continue
                try:
                    stat = path.stat()
                except OSError:
                    continue
                modified = datetime.fromtimestamp(stat.st_mtime, UTC)
                found.append(StoredObject(key, stat.st_size, modified))
        return found

    async def check(self) -> None:
        await asyncio.to_thread(self._check)

    def _check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(dir=self.root, prefix=".ready.")
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    async def close(self) -> None:
        return None

    async def measure(self) -> int:
        """Walk the folder once and publish the bytes used."""
        total = await asyncio.to_thread(self._walk)
        with self._lock:
            self._used_bytes = total
        MEDIA_DISK_BYTES.set(total)
        return total

    def _walk(self) -> int:
        total = 0
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                total += _size_or_zero(Path(dirpath) / name)
        return total

    def _add_usage(self, delta: int) -> None:
        with self._lock:
            if self._used_bytes is None:
                self._used_bytes = self._walk()
            else:
                self._used_bytes = max(0, self._used_bytes + delta)
            MEDIA_DISK_BYTES.set(self._used_bytes)


def _size_or_zero(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
