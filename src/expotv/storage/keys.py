"""Object keys ``{tipo}/{yyyy}/{mm}/{dd}/{uuid}.{ext}``, built here and nowhere else."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from expotv.content import MediaKind

KEY_PATTERN = re.compile(
    r"^(imagem|video)/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}(\.thumb)?\.(png|jpg|webp|gif|mp4)$"
)


def media_key(kind: MediaKind, ext: str, now: datetime) -> str:
    ext = ext.lower().lstrip(".")
    return f"{kind.value}/{now:%Y/%m/%d}/{uuid.uuid4().hex}.{ext}"


def thumbnail_key(key: str, ext: str = "jpg") -> str:
    """The thumbnail of ``key``: same folder and uuid, ``.thumb.{ext}``."""
    stem = key.rsplit(".", 1)[0]
    return f"{stem}.thumb.{ext}"


def is_valid_key(key: str) -> bool:
    return KEY_PATTERN.fullmatch(key) is not None
