from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from expotv.condominiums.models import Condominium
from expotv.content import ContentStatus, MediaKind
from expotv.items.rules import next_status

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ACTIVE = ContentStatus.ACTIVE
INACTIVE = ContentStatus.INACTIVE
EXPIRED = ContentStatus.EXPIRED
PROCESSING = ContentStatus.PROCESSING
ERROR = ContentStatus.ERROR


@dataclass
class Item:
    status: ContentStatus = ACTIVE
    requested_status: ContentStatus = ACTIVE
    expires_at: datetime | None = None
    id: int = 1
    name: str = "item"
    duration_seconds: int = 10
    media_kind: MediaKind | None = None
    media_key: str | None = None
    archive_url: str | None = None
    thumbnail_key: str | None = None
    thumbnail_url: str | None = None
    media_error: str | None = None
    created_by_id: int | None = None
    created_at: datetime = NOW
    updated_at: datetime = NOW
    condominiums: list[Condominium] = field(default_factory=list)


def test_next_status_follows_the_request_when_nothing_blocks_it() -> None:
    item = Item(status=ACTIVE, requested_status=ACTIVE)
    assert (
        next_status(
            item, requested=INACTIVE, media_changed=False, processing=False, now=NOW
        )
        is INACTIVE
    )
    assert (
        next_status(
            item, requested=None, media_changed=False, processing=False, now=NOW
        )
        is ACTIVE
    )


def test_a_conversion_keeps_its_status_until_new_media_arrives() -> None:
    for status in (PROCESSING, ERROR):
        item = Item(status=status, requested_status=ACTIVE)
        assert (
            next_status(
                item, requested=INACTIVE, media_changed=False, processing=False, now=NOW
            )
            is status
        )
        assert (
            next_status(
                item, requested=INACTIVE, media_changed=True, processing=False, now=NOW
            )
            is INACTIVE
        )
    item = Item(status=ACTIVE)
    assert (
        next_status(item, requested=None, media_changed=True, processing=True, now=NOW)
        is PROCESSING
    )


def test_an_item_the_job_expired_returns_when_its_date_moves_on() -> None:
    still_past = Item(status=EXPIRED, expires_at=NOW - timedelta(days=1))
    assert (
        next_status(
            still_past, requested=ACTIVE, media_changed=False, processing=False, now=NOW
        )
        is EXPIRED
    )
    moved = Item(
        status=EXPIRED, requested_status=INACTIVE, expires_at=NOW + timedelta(days=1)
    )
    assert (
        next_status(
            moved, requested=None, media_changed=False, processing=False, now=NOW
        )
        is INACTIVE
    )
