from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from expotv.db import Base, TimestampMixin, UTCDateTime

DEFAULT_AD_RATIO = 5
DEFAULT_NOTICE_RATIO = 1
DEFAULT_NEWS_RATIO = 3


class TVStatus(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class TV(TimestampMixin, Base):
    __tablename__ = "tv"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored upper-case; lookups upper-case the input (codes are case-insensitive).
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    condominium_id: Mapped[int] = mapped_column(
        ForeignKey("condominium.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[TVStatus] = mapped_column(
        Enum(
            TVStatus,
            native_enum=False,
            length=8,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=TVStatus.OFFLINE,
        index=True,
    )
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ad_ratio: Mapped[int] = mapped_column(Integer, default=DEFAULT_AD_RATIO)
    notice_ratio: Mapped[int] = mapped_column(Integer, default=DEFAULT_NOTICE_RATIO)
    news_ratio: Mapped[int] = mapped_column(Integer, default=DEFAULT_NEWS_RATIO)
    app_version: Mapped[str | None] = mapped_column(String(64), default=None)
    resolution: Mapped[str | None] = mapped_column(String(32), default=None)
