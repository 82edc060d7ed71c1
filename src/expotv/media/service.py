"""Uploaded files: check, convert, store, describe.

``ingest`` is the one entry point the content domains use::

    spool the upload to a temporary folder, at most the kind's size limit  (413)
      -> kind from the magic bytes                                           (415)
      (the rest runs in the decode pool: EXPOTV_MEDIA_DECODE_THREADS at once)
      -> image: pixels, frames (counted, not decoded) within limits          (422)
                decode, orient, re-encode without metadata, thumbnail        (422)
         video, in a child process (``sandbox``: FFmpeg is never loaded here):
                size and length from the headers within limits               (422)
                decode up to a poster frame (thumbnail)                      (422)
           H.264 in MP4/MOV: remux now (fast, no re-encode)
           anything else: store the original as ``{uuid}.upload`` and convert
           after the commit, off the request path (``needs_processing``)
      -> store the objects; if the unit of work rolls back, delete them

A failure at any step leaves no object behind: objects already written are removed
at once, and the rollback of the caller's unit of work removes the rest.
``discard_after_commit`` removes the objects of replaced or deleted media.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import BinaryIO, Protocol, TypeVar

from fastapi import UploadFile
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.config import Settings
from expotv.content import MediaKind
from expotv.db import AfterCommit, on_commit, on_rollback
from expotv.media import images, sandbox, video
from expotv.media.exceptions import (
    MediaRejected,
    MediaStorageFailed,
    MediaTooLarge,
    MediaUndecodable,
)
from expotv.media.validation import HEAD_BYTES, Sniffed, sniff
from expotv.observability.metrics import UPLOADS
from expotv.storage import keys
from expotv.storage.base import ObjectStorage, StorageError, content_type_for

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

CHUNK_BYTES = 1024 * 1024
UPLOAD_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class StoredMedia:
    kind: MediaKind
    key: str
    url: str
    thumbnail_key: str | None
    thumbnail_url: str | None
    # Seconds of a video (rounded up, 1..3600); None for images.
    duration_seconds: int | None
    # True when a background conversion must finish before the item can play.
    needs_processing: bool = False


class ConversionQueue(Protocol):
    """Runs the conversion of ``key`` later (in-process worker, or arq)."""

    async def enqueue(self, key: str) -> None: ...


@dataclass(frozen=True, slots=True)
class _Prepared:
    kind: MediaKind
    ext: str
    # What goes under the media key; for a pending conversion, the original.
    path: Path
    thumbnail: Path
    duration_seconds: int | None
    needs_processing: bool


class Deferred(Enum):
    """Conversions recorded on the unit of work, queued by its owner after commit."""

    TO_UNIT_OF_WORK = "to_unit_of_work"


_CONVERSIONS_KEY = "media_conversions"


def conversion_needed(session: AsyncSession, key: str) -> None:
    """Record that ``key`` must be converted once ``session`` commits (data only:
    the owner of the unit of work queues it, see ``media.worker.MediaQueueHook``)."""
    session.info.setdefault(_CONVERSIONS_KEY, []).append(key)


@functools.cache
def _decode_pool(threads: int) -> ThreadPoolExecutor:
    """Decoding is where an upload costs CPU and memory: a pool of its own bounds
    how many one process runs at once (the rest wait their turn), and leaves
    asyncio's default pool to storage and file work."""
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="expotv-decode")


async def _decode(settings: Settings, work: Callable[[], _T]) -> _T:
    loop = asyncio.get_running_loop()
    # As asyncio.to_thread does: the request's context (log fields) goes along.
    call = functools.partial(contextvars.copy_context().run, work)
    return await loop.run_in_executor(_decode_pool(settings.media_decode_threads), call)


def take_conversions(session: AsyncSession) -> list[str]:
    keys_: list[str] = session.info.pop(_CONVERSIONS_KEY, [])
    return keys_


async def ingest(
    session: AsyncSession,
    upload: UploadFile,
    *,
    storage: ObjectStorage,
    settings: Settings,
    now: datetime,
    queue: ConversionQueue | Deferred | None = Deferred.TO_UNIT_OF_WORK,
) -> StoredMedia:
    """Check, convert and store ``upload``; its objects go if ``session`` rolls back.

    A video that needs converting is, after the commit: recorded for the unit of
    work's owner (the default: the request's ``DbSession`` queues it on the
    context's media queue), or put on ``queue``; with ``queue=None`` (scripts with
    no worker) it is converted inline before this returns.
    """
    workdir = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="expotv-upload-"))
    try:
        prepared = await _decode(
            settings,
            functools.partial(
                _prepare, upload.file, workdir, settings, convert_inline=queue is None
            ),
        )
        media = await _store(session, prepared, storage=storage, now=now)
    except MediaRejected:
        UPLOADS.labels(result="rejected").inc()
        raise
    except BaseException:
        UPLOADS.labels(result="error").inc()
        raise
    finally:
        await asyncio.to_thread(shutil.rmtree, workdir, True)

    async def count_ok() -> None:
        UPLOADS.labels(result="ok").inc()

    async def count_error() -> None:
        UPLOADS.labels(result="error").inc()

    on_commit(session, count_ok)
    on_rollback(session, count_error)
    if media.needs_processing:
        if isinstance(queue, Deferred):
            conversion_needed(session, media.key)
        else:
            assert queue is not None
            on_commit(session, enqueue_effect(queue, media.key))
    return media


def discard_after_commit(
    session: AsyncSession, storage: ObjectStorage, *object_keys: str | None
) -> None:
    """Delete these objects once the unit of work that replaced them commits.

    A video's pending original (``.upload``) goes too, in case its conversion had
    not finished; the worker drops its output when it finds no item waiting for it.
    """
    doomed: list[str] = []
    for key in object_keys:
        if not key:
            continue
        doomed.append(key)
        if keys.is_valid_key(key) and key.endswith(".mp4"):
            doomed.append(keys.upload_key(key))

    async def delete_objects() -> None:
        await delete_quietly(storage, doomed)

    if doomed:
        on_commit(session, delete_objects)


async def delete_quietly(storage: ObjectStorage, object_keys: list[str]) -> None:
    """Best effort: a failure is logged (the commit already happened)."""
    for key in object_keys:
        try:
            await storage.delete(key)
        except Exception:
            logger.exception("falha ao apagar o objeto %s do armazenamento", key)


def enqueue_effect(queue: ConversionQueue, key: str) -> AfterCommit:
    async def enqueue() -> None:
        try:
            await queue.enqueue(key)
        except Exception:
            # The item is committed as "processando"; the worker's start-up sweep
            # finds it again, so this must not turn the request into an error.
            logger.exception("falha ao enfileirar a conversão de %s", key)

    return enqueue


def _prepare(
    upload: BinaryIO, workdir: Path, settings: Settings, *, convert_inline: bool
) -> _Prepared:
    source = workdir / "upload"
    sniffed = spool(upload, source, settings)
    if sniffed.kind is MediaKind.IMAGE:
        image = images.process_image(
            source,
            sniffed.format,
            workdir,
            limits=images.ImageLimits.from_settings(settings),
        )
        return _Prepared(
            MediaKind.IMAGE, image.ext, image.path, image.thumbnail, None, False
        )
    poster = workdir / "poster.jpg"
    target = workdir / "video.mp4"
    limits = video.VideoLimits.from_settings(settings)
    done = sandbox.prepare(
        sandbox.VideoJob(
            source=str(source),
            demuxer=sniffed.format,
            poster=str(poster),
            target=str(target),
            long_side=limits.long_side,
            short_side=limits.short_side,
            max_seconds=limits.max_seconds,
            convert_inline=convert_inline,
            budget_seconds=settings.media_conversion_timeout_seconds,
        )
    )
    # A pending conversion stores the original; otherwise the playable MP4.
    stored = source if done.needs_processing else target
    return _Prepared(
        MediaKind.VIDEO,
        "mp4",
        stored,
        poster,
        done.duration_seconds,
        done.needs_processing,
    )


def spool(upload: BinaryIO, target: Path, settings: Settings) -> Sniffed:
    """Copy ``upload`` to ``target`` in chunks, stopping past the kind's limit."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    if not head:
        raise MediaUndecodable("o arquivo está vazio")
    sniffed = sniff(head)
    if sniffed.kind is MediaKind.IMAGE:
        limit, what = settings.max_image_bytes, "imagens"
    else:
        limit, what = settings.max_video_bytes, "vídeos"
    total = len(head)
    with target.open("wb") as out:
        out.write(head)
        while chunk := upload.read(CHUNK_BYTES):
            total += len(chunk)
            if total > limit:
                raise MediaTooLarge(what=what, limit=limit)
            out.write(chunk)
    if total > limit:
        raise MediaTooLarge(what=what, limit=limit)
    return sniffed


async def _store(
    session: AsyncSession,
    prepared: _Prepared,
    *,
    storage: ObjectStorage,
    now: datetime,
) -> StoredMedia:
    key = keys.media_key(prepared.kind, prepared.ext, now)
    thumbnail_key = keys.thumbnail_key(key)
    if prepared.needs_processing:
        main = (keys.upload_key(key), prepared.path, UPLOAD_CONTENT_TYPE)
        # The converted video may already exist if the rollback comes late.
        owned = [key, keys.upload_key(key), thumbnail_key]
    else:
        main = (key, prepared.path, content_type_for(key))
        owned = [key, thumbnail_key]

    async def delete_owned() -> None:
        await delete_quietly(storage, owned)

    # Registered before the first write: whatever gets written goes on rollback.
    on_rollback(session, delete_owned)
    try:
        for object_key, path, content_type in (
            main,
            (thumbnail_key, prepared.thumbnail, "image/jpeg"),
        ):
            await storage.put_file(object_key, path, content_type)
    except BaseException as exc:
        await delete_quietly(storage, owned)
        if isinstance(exc, StorageError):
            logger.error("falha ao gravar mídia no armazenamento: %s", exc)
            raise MediaStorageFailed() from exc
        raise
    return StoredMedia(
        kind=prepared.kind,
        key=key,
        url=storage.public_url(key),
        thumbnail_key=thumbnail_key,
        thumbnail_url=storage.public_url(thumbnail_key),
        duration_seconds=prepared.duration_seconds,
        needs_processing=prepared.needs_processing,
    )
