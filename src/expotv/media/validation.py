"""What an upload is, decided by its first bytes (never by its name or declared type).

The magic bytes only route the file to a decoder; Pillow or PyAV must then really
decode it (``images.py`` / ``video.py``) before it is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

from expotv.content import MediaKind
from expotv.media.exceptions import MediaTypeNotAccepted

HEAD_BYTES = 64

# ISO-BMFF brands of still pictures (iPhone HEIC, AVIF): same box layout as MP4.
_HEIF_BRANDS = {
    b"heic",
    b"heix",
    b"heim",
    b"heis",
    b"hevc",
    b"hevx",
    b"mif1",
    b"msf1",
    b"avif",
    b"avis",
}
# QuickTime files older than the ftyp box start straight with one of these atoms.
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


@dataclass(frozen=True, slots=True)
class Sniffed:
    kind: MediaKind
    # Pillow format name for images, FFmpeg demuxer name for videos.
    format: str


def sniff(head: bytes) -> Sniffed:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(MediaKind.IMAGE, "PNG")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(MediaKind.IMAGE, "JPEG")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed(MediaKind.IMAGE, "GIF")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed(MediaKind.IMAGE, "WEBP")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return Sniffed(MediaKind.VIDEO, "avi")
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return Sniffed(MediaKind.VIDEO, "matroska")
    if head[4:8] == b"ftyp":
        if head[8:12] in _HEIF_BRANDS:
            raise MediaTypeNotAccepted(
                "imagens HEIC/AVIF não são aceitas; envie PNG, JPEG, WebP ou GIF"
            )
        return Sniffed(MediaKind.VIDEO, "mp4")
    if len(head) >= 8 and head[4:8] in _QUICKTIME_ATOMS:
        return Sniffed(MediaKind.VIDEO, "mp4")
    raise MediaTypeNotAccepted()
