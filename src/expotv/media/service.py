"""Uploaded files: check, store, describe. (Validation and conversion: media issue.)

``ingest`` is the one entry point the content domains use. It stores the object(s)
and registers their deletion if the unit of work rolls back, so a failed create or
update leaves no orphan. ``discard_after_commit`` removes replaced media.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import UploadFile
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.config import Settings
from expotv.content import MediaKind
from expotv.db import on_commit, on_rollback
from expotv.errors import UnsupportedMedia
from expotv.storage import keys
from expotv.storage.base import ObjectStorage, content_type_for


@dataclass(frozen=True, slots=True)
class StoredMedia:
    kind: MediaKind
    key: str
    url: str
    thumbnail_key: str | None
    thumbnail_url: str | None
    # Seconds of a video (rounded up); None for images.
    duration_seconds: int | None
    # True when a background conversion must finish before the item can play.
    needs_processing: bool = False


_SIGNATURES: list[tuple[bytes, int, MediaKind, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, MediaKind.IMAGE, "png"),
    (b"\xff\xd8\xff", 0, MediaKind.IMAGE, "jpg"),
    (b"GIF8", 0, MediaKind.IMAGE, "gif"),
    (b"ftyp", 4, MediaKind.VIDEO, "mp4"),
]


def _sniff(head: bytes) -> tuple[MediaKind, str]:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaKind.IMAGE, "webp"
    for magic, offset, kind, ext in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return kind, ext
    raise UnsupportedMedia()


async def ingest(
    session: AsyncSession,
    upload: UploadFile,
    *,
    storage: ObjectStorage,
    settings: Settings,
    now: datetime,
) -> StoredMedia:
    import shutil
    import tempfile
    from pathlib import Path

    head = await upload.read(16)
    kind, ext = _sniff(head)
    await upload.seek(0)
    key = keys.media_key(kind, ext, now)
    with tempfile.NamedTemporaryFile(delete=False) as tmp:
        shutil.copyfileobj(upload.file, tmp)
        path = Path(tmp.name)
    try:
        await storage.put_file(key, path, content_type_for(key))
    finally:
        path.unlink(missing_ok=True)

    async def delete_object() -> None:
        await storage.delete(key)

    on_rollback(session, delete_object)
    return StoredMedia(
        kind=kind,
        key=key,
        url=storage.public_url(key),
        thumbnail_key=None,
        thumbnail_url=None,
        duration_seconds=None,
    )


def discard_after_commit(
    session: AsyncSession, storage: ObjectStorage, *object_keys: str | None
) -> None:
    """Delete these objects once the unit of work that replaced them commits."""
    doomed = [k for k in object_keys if k]

    async def delete_objects() -> None:
        for key in doomed:
            await storage.delete(key)

    if doomed:
        on_commit(session, delete_objects)
