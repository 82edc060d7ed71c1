"""Pure rules over an item (no session, no clock): the status after an update.

Liveness (expired, live, plays, status on read) is ``expotv.content``'s.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from expotv.content import ContentStatus, Lifecycle, is_past


class Requested(Lifecycle, Protocol):
    """An item with the status it asked for (``ativo`` or ``inativo``)."""

    @property
    def requested_status(self) -> ContentStatus: ...


def next_status(
    item: Requested,
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
