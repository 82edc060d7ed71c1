"""What anúncios, avisos and notícias share: status, media kind, media columns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from expotv.db import UTCDateTime


class ContentStatus(StrEnum):
    ACTIVE = "ativo"
    INACTIVE = "inativo"
    EXPIRED = "expirado"
    PROCESSING = "processando"
    ERROR = "erro"


class MediaKind(StrEnum):
    IMAGE = "imagem"
    VIDEO = "video"


def status_column(
    default: ContentStatus = ContentStatus.ACTIVE, *, index: bool = True
) -> Mapped[ContentStatus]:
    return mapped_column(
        Enum(
            ContentStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
            validate_strings=True,
        ),
        default=default,
        index=index,
    )


class MediaMixin:
    """An item's uploaded file: the stored objects and their public URLs."""

    media_kind: Mapped[MediaKind | None] = mapped_column(
        Enum(
            MediaKind,
            native_enum=False,
            length=8,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=None,
    )
    media_key: Mapped[str | None] = mapped_column(String(255), default=None)
    archive_url: Mapped[str | None] = mapped_column(String(1024), default=None)
    thumbnail_key: Mapped[str | None] = mapped_column(String(255), default=None)
    thumbnail_url: Mapped[str | None] = mapped_column(String(1024), default=None)
    media_error: Mapped[str | None] = mapped_column(Text, default=None)


class ExpiringMixin:
    expires_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), default=None, index=True
    )
    duration_seconds: Mapped[int] = mapped_column(Integer, default=10)
