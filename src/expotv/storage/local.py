from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from expotv.storage.base import StorageError
from expotv.storage.keys import is_valid_key


class LocalStorage:
    """Objects as files under ``root``, served by the app under ``/media/``."""

    def __init__(self, root: Path, public_base_url: str | None = None) -> None:
        self.root = root.resolve()
        self.public_base_url = (public_base_url or "/media").rstrip("/")

    def path_for(self, key: str) -> Path:
        if not is_valid_key(key):
            raise StorageError(f"invalid key {key!r}")
        return self.root / key

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        await asyncio.to_thread(self._put, key, path)

    def _put(self, key: str, path: Path) -> None:
        target = self.path_for(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.part")
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)  # atomic: a reader never sees half a file
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    async def delete(self, key: str) -> None:
        try:
            self.path_for(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    async def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def public_url(self, key: str) -> str:
        return f"{self.public_base_url}/{key}"

    async def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".ready"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise StorageError(str(exc)) from exc
