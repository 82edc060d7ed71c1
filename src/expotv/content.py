"""What anúncios, avisos and notícias share: status, expiry, media columns.

"Is this item live?" is decided here and nowhere else. Each rule is one pure
function over ``(status, expires_at, now)`` and, on ``ExpiringMixin``, a hybrid
method whose SQL side stands right under it, so a list filter, a quota count, the
playlist query, the expiry jobs and the status a response shows always agree
(``tests/unit/test_content_rules.py`` checks both sides against each other):

    is_past          data_expiracao passed (null never passes)
    is_expired       stored "expirado", or past data_expiracao before the job ran
    is_live          not expired: counts against a Síndico's quota
    plays            "ativo" and not past: eligible for a playlist
    is_expiry_due    what the expiry jobs store as "expirado" ("ativo"/"inativo"
                     past their date; a conversion in progress or failed keeps
                     its status until it ends)
    status_at        the status a response shows; ``shows_status`` is its filter

Anúncios and avisos also have a start (``ScheduledMixin``, ``data_inicio``):

    is_pending       data_inicio still ahead
    plays            as above, and started
    status_at        "agendado" for an "ativo" item not started yet (never stored:
                     the status turns by itself, with no job to run)

Whether an item plays on one TV at one instant (weekly windows, TV targets,
emergencies) is the playlist's question: ``expotv.playlist.eligibility``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy import ColumnElement, Enum, Integer, String, Text, and_, or_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column

from expotv.db import UTCDateTime


class ContentStatus(StrEnum):
    ACTIVE = "ativo"
    INACTIVE = "inativo"
    # Shown, never stored: "ativo" before data_inicio (anúncios and avisos).
    SCHEDULED = "agendado"
    EXPIRED = "expirado"
    PROCESSING = "processando"
    ERROR = "erro"


class MediaKind(StrEnum):
    IMAGE = "imagem"
    VIDEO = "video"


# The stored statuses the expiry jobs turn into "expirado".
EXPIRABLE = (ContentStatus.ACTIVE, ContentStatus.INACTIVE)


class Lifecycle(Protocol):
    """Anything with a status and an expiry: a model instance, a playlist row."""

    @property
    def status(self) -> ContentStatus: ...

    @property
    def expires_at(self) -> datetime | None: ...


def is_past(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now


def _past_sql(cls: type[ExpiringMixin], now: datetime) -> ColumnElement[bool]:
    return and_(cls.expires_at.is_not(None), cls.expires_at <= now)


def _ahead_sql(cls: type[ExpiringMixin], now: datetime) -> ColumnElement[bool]:
    return or_(cls.expires_at.is_(None), cls.expires_at > now)


def is_expired(item: Lifecycle, now: datetime) -> bool:
    return item.status == ContentStatus.EXPIRED or is_past(item.expires_at, now)


def is_expired_sql(cls: type[ExpiringMixin], now: datetime) -> ColumnElement[bool]:
    return or_(cls.status == ContentStatus.EXPIRED, _past_sql(cls, now))


def is_live(item: Lifecycle, now: datetime) -> bool:
    return not is_expired(item, now)


def is_live_sql(cls: type[ExpiringMixin], now: datetime) -> ColumnElement[bool]:
    return and_(cls.status != ContentStatus.EXPIRED, _ahead_sql(cls, now))


def plays(item: Lifecycle, now: datetime) -> bool:
    return item.status == ContentStatus.ACTIVE and not is_past(item.expires_at, now)


def plays_sql(cls: type[ExpiringMixin], now: datetime) -> ColumnElement[bool]:
    return and_(cls.status == ContentStatus.ACTIVE, _ahead_sql(cls, now))


def is_expiry_due(item: Lifecycle, now: datetime) -> bool:
    return item.status in EXPIRABLE and is_past(item.expires_at, now)


def is_expiry_due_sql(cls: type[ExpiringMixin], now: datetime) -> ColumnElement[bool]:
    return and_(cls.status.in_(EXPIRABLE), _past_sql(cls, now))


def status_at(item: Lifecycle, now: datetime) -> ContentStatus:
    """``expirado`` as soon as ``data_expiracao`` passed, before the job runs."""
    if is_expired(item, now):
        return ContentStatus.EXPIRED
    return ContentStatus(item.status)


def shows_status(item: Lifecycle, status: ContentStatus, now: datetime) -> bool:
    return status_at(item, now) == status


def shows_status_sql(
    cls: type[ExpiringMixin], status: ContentStatus, now: datetime
) -> ColumnElement[bool]:
    if status is ContentStatus.EXPIRED:
        return is_expired_sql(cls, now)
    return and_(cls.status == status, is_live_sql(cls, now))


class Scheduled(Lifecycle, Protocol):
    """An item that may start later (``data_inicio``)."""

    @property
    def starts_at(self) -> datetime | None: ...


def is_pending(item: Scheduled, now: datetime) -> bool:
    return item.starts_at is not None and item.starts_at > now


def is_pending_sql(cls: type[ScheduledMixin], now: datetime) -> ColumnElement[bool]:
    return and_(cls.starts_at.is_not(None), cls.starts_at > now)


def _started_sql(cls: type[ScheduledMixin], now: datetime) -> ColumnElement[bool]:
    return or_(cls.starts_at.is_(None), cls.starts_at <= now)


def plays_when_started(item: Scheduled, now: datetime) -> bool:
    return plays(item, now) and not is_pending(item, now)


def plays_when_started_sql(
    cls: type[ScheduledMixin], now: datetime
) -> ColumnElement[bool]:
    return and_(plays_sql(cls, now), _started_sql(cls, now))


def scheduled_status_at(item: Scheduled, now: datetime) -> ContentStatus:
    """``status_at``, and "agendado" while an "ativo" item waits for its start."""
    status = status_at(item, now)
    if status is ContentStatus.ACTIVE and is_pending(item, now):
        return ContentStatus.SCHEDULED
    return status


def scheduled_shows_status(
    item: Scheduled, status: ContentStatus, now: datetime
) -> bool:
    return scheduled_status_at(item, now) == status


def scheduled_shows_status_sql(
    cls: type[ScheduledMixin], status: ContentStatus, now: datetime
) -> ColumnElement[bool]:
    if status is ContentStatus.SCHEDULED:
        return and_(
            shows_status_sql(cls, ContentStatus.ACTIVE, now), is_pending_sql(cls, now)
        )
    if status is ContentStatus.ACTIVE:
        return and_(shows_status_sql(cls, status, now), _started_sql(cls, now))
    return shows_status_sql(cls, status, now)


def _enum(enum: type[StrEnum], length: int) -> Enum:
    """Stored as its lower-case values in a VARCHAR (no native ENUM to migrate)."""
    return Enum(
        enum,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def status_column(
    default: ContentStatus = ContentStatus.ACTIVE, *, index: bool = True
) -> Mapped[ContentStatus]:
    return mapped_column(_enum(ContentStatus, 16), default=default, index=index)


class MediaMixin:
    """An item's uploaded file: the stored objects and their public URLs."""

    media_kind: Mapped[MediaKind | None] = mapped_column(
        _enum(MediaKind, 8), default=None
    )
    media_key: Mapped[str | None] = mapped_column(String(255), default=None)
    archive_url: Mapped[str | None] = mapped_column(String(1024), default=None)
    thumbnail_key: Mapped[str | None] = mapped_column(String(255), default=None)
    thumbnail_url: Mapped[str | None] = mapped_column(String(1024), default=None)
    media_error: Mapped[str | None] = mapped_column(Text, default=None)


class ExpiringMixin:
    """Status, expiry and screen time, with the liveness rules in SQL and Python.

    ``Model.plays(now)`` is a SQL condition, ``item.plays(now)`` a bool.
    """

    status: Mapped[ContentStatus] = status_column()
    expires_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), default=None, index=True
    )
    duration_seconds: Mapped[int] = mapped_column(Integer, default=10)

    is_expired = hybrid_method(is_expired, is_expired_sql)
    is_live = hybrid_method(is_live, is_live_sql)
    plays = hybrid_method(plays, plays_sql)
    is_expiry_due = hybrid_method(is_expiry_due, is_expiry_due_sql)
    shows_status = hybrid_method(shows_status, shows_status_sql)

    def status_at(self, now: datetime) -> ContentStatus:
        return status_at(self, now)


class ScheduledMixin(ExpiringMixin):
    """``ExpiringMixin`` plus a start: before ``starts_at`` nothing plays, and an
    "ativo" item shows "agendado"."""

    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    is_pending = hybrid_method(is_pending, is_pending_sql)
    plays = hybrid_method(plays_when_started, plays_when_started_sql)
    shows_status = hybrid_method(scheduled_shows_status, scheduled_shows_status_sql)

    def status_at(self, now: datetime) -> ContentStatus:
        return scheduled_status_at(self, now)
