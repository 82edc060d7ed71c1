from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from expotv.content import ExpiringMixin
from expotv.db import Base, TimestampMixin, UTCDateTime


class NewsFeed(TimestampMixin, Base):
    """An RSS/Atom source (``/noticias/fontes``)."""

    __tablename__ = "news_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1024))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_fetched_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), default=None
    )
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    # Conditional GET validators from the last successful fetch.
    etag: Mapped[str | None] = mapped_column(String(255), default=None)
    last_modified: Mapped[str | None] = mapped_column(String(64), default=None)


class NewsItem(TimestampMixin, ExpiringMixin, Base):
    __tablename__ = "news_item"
    __table_args__ = (
        UniqueConstraint("feed_id", "guid_hash", name="uq_news_item_feed_guid"),
        Index("ix_news_item_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str | None] = mapped_column(String(1024), default=None)
    source: Mapped[str] = mapped_column(String(200), default="")
    link: Mapped[str | None] = mapped_column(String(1024), default=None)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    feed_id: Mapped[int | None] = mapped_column(
        ForeignKey("news_feed.id", ondelete="SET NULL"), index=True, default=None
    )
    # sha256 of the entry's guid (or link): de-duplication key within a feed.
    guid_hash: Mapped[str | None] = mapped_column(String(64), default=None)
