from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, ForeignKey, Integer, String, and_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column

from expotv.db import Base, TimestampMixin, UTCDateTime

DEFAULT_AD_RATIO = 5
DEFAULT_NOTICE_RATIO = 1
DEFAULT_NEWS_RATIO = 3


class TVStatus(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


def was_seen_since(last_seen_at: datetime | None, since: datetime) -> bool:
    """The online rule in Python (``TV.seen_since`` is the same rule, SQL too)."""
    return last_seen_at is not None and last_seen_at >= since


def _seen_since(tv: TV, since: datetime) -> bool:
    return was_seen_since(tv.last_seen_at, since)


def _seen_since_sql(cls: type[TV], since: datetime) -> ColumnElement[bool]:
    return and_(cls.last_seen_at.is_not(None), cls.last_seen_at >= since)


class TV(TimestampMixin, Base):
    __tablename__ = "tv"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored upper-case; lookups upper-case the input (codes are case-insensitive).
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    condominium_id: Mapped[int] = mapped_column(
        ForeignKey("condominium.id", ondelete="CASCADE"), index=True
    )
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ad_ratio: Mapped[int] = mapped_column(Integer, default=DEFAULT_AD_RATIO)
    notice_ratio: Mapped[int] = mapped_column(Integer, default=DEFAULT_NOTICE_RATIO)
    news_ratio: Mapped[int] = mapped_column(Integer, default=DEFAULT_NEWS_RATIO)
    app_version: Mapped[str | None] = mapped_column(String(64), default=None)
    resolution: Mapped[str | None] = mapped_column(String(32), default=None)

    # "Is this TV online?" written once, for Python and SQL alike (tvs.presence
    # adds the pings not written yet): ``TV.seen_since(since)`` is a SQL
    # condition, ``tv.seen_since(since)`` a bool. There is no stored status: a
    # copy that a job refreshes every minute would disagree with the rule between.
    seen_since = hybrid_method(_seen_since, _seen_since_sql)
