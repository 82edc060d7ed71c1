"""Pure rules over an item (no session, no clock): the status after an update.

Liveness (expired, live, plays, status on read) is ``expotv.content``'s.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from expotv.condominiums.models import Condominium
from expotv.content import ContentStatus, MediaKind, is_past


class ContentItem(Protocol):
    """What ``Ad`` and ``Notice`` share (their columns, seen on an instance)."""

    id: int
    name: str
    status: ContentStatus
    requested_status: ContentStatus
    expires_at: datetime | None
    duration_seconds: int
    media_kind: MediaKind | None
    media_key: str | None
    archive_url: str | None
    thumbnail_key: str | None
    thumbnail_url: str | None
    media_error: str | None
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
    condominiums: list[Condominium]


def next_status(
    item: ContentItem,
    *,
    requested: ContentStatus | None,
    media_changed: bool,
    processing: bool,
    now: datetime,
) -> ContentStatus:
    """The stored status after an update.

    ``requested`` is what the client asked (None: not sent). A conversion in
    progress or failed keeps its status until new media arrives; an item the job
    expired comes back when its ``data_expiracao`` moved to the future (or was
    cleared).
    """
    wanted = requested or item.requested_status
    if media_changed:
        return ContentStatus.PROCESSING if processing else wanted
    if item.status in (ContentStatus.PROCESSING, ContentStatus.ERROR):
        return item.status
    if item.status is ContentStatus.EXPIRED and is_past(item.expires_at, now):
        return ContentStatus.EXPIRED
    return wanted
