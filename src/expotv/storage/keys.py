"""Object keys ``{tipo}/{yyyy}/{mm}/{dd}/{uuid}.{ext}``, built here and nowhere else.

Besides the media object itself, one uuid owns two companions in the same folder:
``{uuid}.thumb.jpg`` (its thumbnail) and, while a video waits for conversion,
``{uuid}.upload`` (the original file, never served).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from expotv.content import MediaKind

MEDIA_EXTENSIONS = ("png", "jpg", "webp", "gif", "mp4")
THUMBNAIL_EXTENSIONS = ("jpg", "webp")

_PREFIX = r"(imagem|video)/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}"
KEY_PATTERN = re.compile(
    rf"^{_PREFIX}(\.(png|jpg|webp|gif|mp4)|\.thumb\.(jpg|webp)|\.upload)$"
)
# What may be served to the public: media and thumbnails, never pending uploads.
PUBLIC_KEY_PATTERN = re.compile(
    rf"^{_PREFIX}(\.(png|jpg|webp|gif|mp4)|\.thumb\.(jpg|webp))$"
)


def media_key(kind: MediaKind, ext: str, now: datetime) -> str:
    ext = ext.lower().lstrip(".")
    if ext not in MEDIA_EXTENSIONS:
        raise ValueError(f"unsupported media extension {ext!r}")
    return f"{kind.value}/{now:%Y/%m/%d}/{uuid.uuid4().hex}.{ext}"


def thumbnail_key(key: str, ext: str = "jpg") -> str:
    """The thumbnail of ``key``: same folder and uuid, ``.thumb.{ext}``."""
    if ext not in THUMBNAIL_EXTENSIONS:
        raise ValueError(f"unsupported thumbnail extension {ext!r}")
    return f"{_stem(key)}.thumb.{ext}"


def upload_key(key: str) -> str:
    """Where the original of ``key`` waits for its conversion."""
    return f"{_stem(key)}.upload"


def is_valid_key(key: str) -> bool:
    return KEY_PATTERN.fullmatch(key) is not None


def is_public_key(key: str) -> bool:
    return PUBLIC_KEY_PATTERN.fullmatch(key) is not None


def _stem(key: str) -> str:
    if not is_valid_key(key):
        raise ValueError(f"invalid media key {key!r}")
    folder, name = key.rsplit("/", 1)
    return f"{folder}/{name.split('.', 1)[0]}"
