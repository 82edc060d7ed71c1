"""The conversion job: ``{uuid}.upload`` -> ``{uuid}.mp4``, then the item's status.

    fetch the original ──> no item waits for this key? drop the original, stop
          │
    transcode (thread) ──> fails, or passes its budget: item "erro" with
          │                erro_midia, original (and any output) dropped
          │
    store the MP4 ──> item gets its requested status (and its TVs are told), or,
                      if the item went away meanwhile, the MP4 is deleted again

The job is idempotent (it looks the item up by its media key and only finishes an
item still "processando"), so a repeated or duplicated job does no harm.

The budget (``EXPOTV_MEDIA_CONVERSION_TIMEOUT_SECONDS``) belongs to the job: the
transcode checks it at every packet and stops itself, and the wait for the thread
is bounded too, in case a single FFmpeg call overruns. A queue gives the whole job
``job_timeout_seconds``: the budget plus time to fetch and store.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from expotv.config import Settings
from expotv.content import ContentStatus, MediaKind
from expotv.db import session_scope
from expotv.items.kinds import MODELS as ITEM_MODELS
from expotv.media import video
from expotv.media.exceptions import (
    ConversionFailed,
    ConversionTimedOut,
    MediaRejected,
)
from expotv.media.service import delete_quietly
from expotv.media.validation import HEAD_BYTES, sniff
from expotv.playlist.invalidation import content_changed
from expotv.storage import keys
from expotv.storage.base import ObjectNotFound, ObjectStorage, StorageError

logger = logging.getLogger(__name__)


ORIGINAL_MISSING = (
    "o arquivo enviado não foi encontrado para a conversão; envie-o de novo"
)
STORE_FAILED = "não foi possível gravar o vídeo convertido; envie o arquivo de novo"
# Past the budget, how long to wait for the thread to notice (one packet, or the
# encoder's final flush, takes far less within the size limits).
BUDGET_GRACE_SECONDS = 30.0
# Fetching the original and storing the result (50 MB each, at worst).
STORAGE_ALLOWANCE_SECONDS = 600.0


def job_timeout_seconds(settings: Settings) -> float:
    """How long a queue may let one conversion job run before killing it."""
    return (
        settings.media_conversion_timeout_seconds
        + BUDGET_GRACE_SECONDS
        + STORAGE_ALLOWANCE_SECONDS
    )


class Outcome(StrEnum):
    READY = "ready"
    FAILED = "failed"
    # No item waits for this key any more (deleted, or its media replaced).
    ORPHAN = "orphan"
    # The item was already finished (a repeated job).
    SKIPPED = "skipped"


@dataclass
class MediaContext:
    """What a conversion needs, in the app or in the ``expotv worker`` process."""

    settings: Settings
    storage: ObjectStorage
    sessionmaker: async_sessionmaker[AsyncSession]
    # Set on shutdown: a running transcode stops at its next frame.
    cancel: threading.Event = field(default_factory=threading.Event)


async def convert_upload(ctx: MediaContext, key: str) -> Outcome:
    upload_key = keys.upload_key(key)
    workdir = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="expotv-convert-"))
    try:
        if not await _is_waiting(ctx, key):
            await delete_quietly(ctx.storage, [upload_key])
            return Outcome.ORPHAN
        source = workdir / "upload"
        try:
            await ctx.storage.get_file(upload_key, source)
        except ObjectNotFound:
            if await ctx.storage.exists(key):
                return await _finish(ctx, key, error=None)
            return await _finish(ctx, key, error=ORIGINAL_MISSING)
        target = workdir / "video.mp4"
        try:
            await _transcode_within_budget(ctx, source, target)
        except ConversionFailed as exc:
            logger.warning("conversão de %s falhou: %s", key, exc.reason)
            outcome = await _finish(ctx, key, error=exc.reason)
            # An earlier attempt killed while storing may have left the output;
            # the item failed, so nothing will ever play it.
            doomed = [upload_key, key] if outcome is Outcome.FAILED else [upload_key]
            await delete_quietly(ctx.storage, doomed)
            return outcome
        try:
            await ctx.storage.put_file(key, target, "video/mp4")
        except StorageError:
            logger.exception("falha ao gravar o vídeo convertido %s", key)
            await delete_quietly(ctx.storage, [key])
            outcome = await _finish(ctx, key, error=STORE_FAILED)
            await delete_quietly(ctx.storage, [upload_key])
            return outcome
        try:
            outcome = await _finish(ctx, key, error=None)
        except BaseException:
            # The item keeps "processando" and the original: a retry or the next
            # start-up sweep finishes it. The output must not outlive that.
            await delete_quietly(ctx.storage, [key])
            raise
        if outcome is Outcome.ORPHAN:
            await delete_quietly(ctx.storage, [key])
        await delete_quietly(ctx.storage, [upload_key])
        return outcome
    finally:
        await asyncio.to_thread(shutil.rmtree, workdir, True)


async def _transcode_within_budget(
    ctx: MediaContext, source: Path, target: Path
) -> None:
    budget = video.Budget.starting_now(ctx.settings.media_conversion_timeout_seconds)
    limits = video.VideoLimits.from_settings(ctx.settings)
    try:
        async with asyncio.timeout(budget.seconds + BUDGET_GRACE_SECONDS):
            await asyncio.to_thread(
                _transcode, source, target, limits, budget, ctx.cancel
            )
    except TimeoutError:
        # The thread stops at its next budget check; its output is in the
        # work folder, removed with it.
        raise ConversionTimedOut(budget.seconds) from None


def _transcode(
    source: Path,
    target: Path,
    limits: video.VideoLimits,
    budget: video.Budget,
    cancel: threading.Event,
) -> None:
    with source.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    try:
        sniffed = sniff(head)
    except MediaRejected as exc:
        raise ConversionFailed(str(exc)) from exc
    if sniffed.kind is not MediaKind.VIDEO:
        raise ConversionFailed("o arquivo enviado não é um vídeo")
    video.transcode(
        source, sniffed.format, target, limits=limits, budget=budget, cancel=cancel
    )


async def _is_waiting(ctx: MediaContext, key: str) -> bool:
    async with ctx.sessionmaker() as session:
        for model in ITEM_MODELS:
            found = await session.scalar(
                select(model.id).where(
                    model.media_key == key, model.status == ContentStatus.PROCESSING
                )
            )
            if found is not None:
                return True
    return False


async def _finish(ctx: MediaContext, key: str, *, error: str | None) -> Outcome:
    async with session_scope(ctx.sessionmaker) as session:
        for model in ITEM_MODELS:
            item: Any = await session.scalar(
                select(model)
                .where(model.media_key == key)
                .options(selectinload(model.condominiums))
                .with_for_update()
            )
            if item is None:
                continue
            if item.status is not ContentStatus.PROCESSING:
                return Outcome.SKIPPED
            if error is not None:
                item.status = ContentStatus.ERROR
                item.media_error = error
                return Outcome.FAILED
            item.status = item.requested_status
            item.media_error = None
            if item.status is ContentStatus.ACTIVE:
                content_changed(
                    session, condominium_ids=[c.id for c in item.condominiums]
                )
            return Outcome.READY
    return Outcome.ORPHAN


async def pending_keys(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    """Media keys of items still waiting for a conversion (start-up sweep)."""
    found: list[str] = []
    async with sessionmaker() as session:
        for model in ITEM_MODELS:
            rows = await session.scalars(
                select(model.media_key)
                .where(
                    model.status == ContentStatus.PROCESSING,
                    model.media_key.is_not(None),
                )
                .order_by(model.id)
            )
            found.extend(key for key in rows if key)
    return found
