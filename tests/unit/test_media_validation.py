from __future__ import annotations

from datetime import UTC, datetime

import pytest

from expotv.content import MediaKind
from expotv.media.exceptions import MediaTypeNotAccepted
from expotv.media.router import UNSATISFIABLE, parse_range
from expotv.media.validation import sniff
from expotv.storage import keys
from tests.integration.media import samples

NOW = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "kind", "fmt"),
    [
        (samples.image_bytes("PNG"), MediaKind.IMAGE, "PNG"),
        (samples.image_bytes("JPEG"), MediaKind.IMAGE, "JPEG"),
        (samples.image_bytes("WEBP"), MediaKind.IMAGE, "WEBP"),
        (samples.image_bytes("GIF"), MediaKind.IMAGE, "GIF"),
        (samples.mp4_h264(audio=None, frames=2), MediaKind.VIDEO, "mp4"),
        (samples.mov_h264(audio=None, frames=2), MediaKind.VIDEO, "mp4"),
        (samples.webm_vp8(audio=None, frames=2), MediaKind.VIDEO, "matroska"),
        (samples.avi_mpeg4(audio=None, frames=2), MediaKind.VIDEO, "avi"),
    ],
)
def test_kind_is_recognised_by_content(data: bytes, kind: MediaKind, fmt: str) -> None:
    sniffed = sniff(data[:64])
    assert (sniffed.kind, sniffed.format) == (kind, fmt)


@pytest.mark.parametrize(
    "head",
    [
        b"just some text that someone named foto.png",
        b"%PDF-1.7\n",
        b"BM\x00\x00\x00\x00",  # BMP
        b"II*\x00\x08\x00\x00\x00",  # TIFF
        b"ID3\x04\x00\x00\x00\x00",  # MP3
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00",  # iPhone photo
        b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00",
    ],
)
def test_other_kinds_are_not_accepted(head: bytes) -> None:
    with pytest.raises(MediaTypeNotAccepted):
        sniff(head)


def test_heic_refusal_says_which_kinds_to_send() -> None:
    with pytest.raises(MediaTypeNotAccepted, match="HEIC"):
        sniff(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00")


def test_media_key_layout() -> None:
    key = keys.media_key(MediaKind.VIDEO, ".MP4", NOW)
    folder, name = key.rsplit("/", 1)
    assert folder == "video/2026/03/07"
    stem, ext = name.split(".")
    assert ext == "mp4"
    assert len(stem) == 32
    assert int(stem, 16) >= 0
    assert keys.is_valid_key(key)
    assert keys.is_public_key(key)


def test_media_keys_are_unique() -> None:
    assert len({keys.media_key(MediaKind.IMAGE, "png", NOW) for _ in range(200)}) == 200


def test_companion_keys_share_the_uuid() -> None:
    key = keys.media_key(MediaKind.VIDEO, "mp4", NOW)
    stem = key.removesuffix(".mp4")
    assert keys.thumbnail_key(key) == f"{stem}.thumb.jpg"
    assert keys.upload_key(key) == f"{stem}.upload"
    assert keys.is_valid_key(keys.upload_key(key))
    assert not keys.is_public_key(keys.upload_key(key))
    assert keys.is_public_key(keys.thumbnail_key(key))


def test_unknown_extension_is_refused() -> None:
    with pytest.raises(ValueError, match="extension"):
        keys.media_key(MediaKind.IMAGE, "exe", NOW)


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "imagem/2026/03/07/../../../../etc/passwd",
        "/imagem/2026/03/07/" + "a" * 32 + ".png",
        "imagem/2026/03/07/" + "A" * 32 + ".png",
        "imagem/2026/03/07/" + "a" * 31 + ".png",
        "imagem/2026/03/07/" + "a" * 32 + ".PNG",
        "imagem/2026/03/07/" + "a" * 32 + ".png/..",
        "audio/2026/03/07/" + "a" * 32 + ".png",
        "imagem/2026/3/7/" + "a" * 32 + ".png",
        "imagem\\2026\\03\\07\\" + "a" * 32 + ".png",
        "imagem/2026/03/07/" + "a" * 32 + ".png\x00",
        "",
    ],
)
def test_malformed_keys_are_refused(key: str) -> None:
    assert not keys.is_valid_key(key)


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-9", 100, (0, 9)),
        ("bytes=10-", 100, (10, 99)),
        ("bytes=-10", 100, (90, 99)),
        ("bytes=-1000", 100, (0, 99)),
        ("bytes=90-1000", 100, (90, 99)),
        ("bytes=99-99", 100, (99, 99)),
        ("bytes=100-", 100, UNSATISFIABLE),
        ("bytes=100-200", 100, UNSATISFIABLE),
        ("bytes=-0", 100, UNSATISFIABLE),
        ("bytes=0-", 0, UNSATISFIABLE),
        ("bytes=5-2", 100, None),
        ("bytes=0-1,5-6", 100, None),
        ("items=0-1", 100, None),
        ("bytes=abc", 100, None),
        ("bytes=-", 100, None),
        ("bytes=1-x", 100, None),
        ("BYTES=0-9", 100, (0, 9)),
        ("bytes=0-" + "9" * 40, 100, (0, 99)),
        ("bytes=-" + "9" * 40, 100, (0, 99)),
        ("bytes=" + "9" * 40 + "-", 100, UNSATISFIABLE),
        ("bytes=" + "9" * 40 + "-" + "9" * 41, 100, UNSATISFIABLE),
        ("bytes=" + "0" * 60 + "5-" + "0" * 60 + "9", 100, (5, 9)),
        ("bytes=0-" + "9" * 4400, 100, None),
        ("bytes=" + "9" * 4400 + "-", 100, None),
        ("bytes=\u00b2-", 100, None),
        ("bytes=\u0663-", 100, None),
        ("bytes= 0-9", 100, None),
    ],
)
def test_range_header_parsing(
    header: str, size: int, expected: tuple[int, int] | str | None
) -> None:
    assert parse_range(header, size) == expected
