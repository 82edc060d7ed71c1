"""Where media objects live: a local folder, or S3-compatible storage (R2)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "gif": "image/gif",
    "mp4": "video/mp4",
}
# Keys are never reused (a new uuid per object), so caches may keep them forever.
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"


def content_type_for(key: str) -> str:
    return CONTENT_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")


class StorageError(Exception):
    """The storage backend failed (network, permissions, disk)."""


class ObjectNotFound(StorageError):
    """The key holds no object."""


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    size: int
    modified_at: datetime  # aware UTC


class ObjectStorage(Protocol):
    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Store the file at ``path`` under ``key`` (whole, or not at all)."""

    async def get_file(self, key: str, path: Path) -> None:
        """Copy the object ``key`` to ``path`` (``ObjectNotFound`` if missing)."""

    async def delete(self, key: str) -> None:
        """Remove ``key``; a missing key is not an error."""

    async def exists(self, key: str) -> bool: ...

    def public_url(self, key: str) -> str:
        """The URL a TV fetches the object from."""

    def iter_objects(self) -> AsyncIterator[StoredObject]:
        """Every object under a well-formed key (the orphan sweep)."""

    async def check(self) -> None:
        """Raise ``StorageError`` when the backend is unreachable (readiness)."""

    async def close(self) -> None:
        """Release connections (end of lifespan)."""
