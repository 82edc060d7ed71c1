"""``/media/{key}``: the local storage backend's objects, for TVs and the dashboard.

Objects never change under a key (a new upload gets a new uuid), so they are
cached for a year as immutable. One byte range per request (``206``/``416``) is
what video players ask for; a multi-range request gets the whole object (``200``),
as does a malformed or oversized ``Range`` header (RFC 9110 lets a server ignore
it), rather than a ``multipart/byteranges`` body no TV needs.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from expotv.deps import Storage
from expotv.errors import NotFound
from expotv.storage import keys
from expotv.storage.base import IMMUTABLE_CACHE_CONTROL, content_type_for
from expotv.storage.local import LocalStorage

router = APIRouter(tags=["mídia"])

CHUNK_BYTES = 256 * 1024


class MediaNotFound(NotFound, code="media_not_found"):
    detail = "mídia não encontrada"


_RESPONSES: dict[int | str, dict[str, str]] = {
    200: {"description": "o arquivo inteiro"},
    206: {"description": "o intervalo pedido em `Range`"},
    304: {"description": "a cópia do cliente (`If-None-Match`) está atual"},
    404: {"description": "mídia não encontrada"},
    416: {"description": "intervalo fora do arquivo"},
}


# Two registrations rather than one GET+HEAD route: each method then gets its own
# OpenAPI operationId (a shared one is a duplicate, which FastAPI warns about).
@router.get("/media/{key:path}", response_class=Response, responses=_RESPONSES)
@router.head("/media/{key:path}", response_class=Response, responses=_RESPONSES)
async def get_media(key: str, request: Request, storage: Storage) -> Response:
    """Arquivo de mídia armazenado localmente (aceita Range, ETag e HEAD)."""
    if not isinstance(storage, LocalStorage) or not keys.is_public_key(key):
        raise MediaNotFound()
    path = storage.path_for(key)
    try:
        stat = await asyncio.to_thread(path.stat)
    except OSError:
        raise MediaNotFound() from None
    size = stat.st_size
    etag = f'"{stat.st_mtime_ns:x}-{size:x}"'
    headers = {
        "ETag": etag,
        "Cache-Control": IMMUTABLE_CACHE_CONTROL,
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
    }
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)

    status, start, end = 200, 0, size - 1
    range_header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if range_header and (if_range is None or if_range == etag):
        wanted = parse_range(range_header, size)
        if wanted is UNSATISFIABLE:
            headers["Content-Range"] = f"bytes */{size}"
            return Response(status_code=416, headers=headers)
        if isinstance(wanted, tuple):
            status, (start, end) = 206, wanted
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    length = max(0, end - start + 1)
    headers["Content-Length"] = str(length)
    media_type = content_type_for(key)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=media_type)
    return StreamingResponse(
        _read(path, start, length),
        status_code=status,
        headers=headers,
        media_type=media_type,
    )


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


UNSATISFIABLE = "unsatisfiable"
# Longer Range headers are ignored: one byte range never needs this much.
MAX_RANGE_HEADER_CHARS = 200
# A position with more digits is past the end of any file: compared as "beyond"
# rather than converted (int() of thousands of digits is refused, or slow).
MAX_POSITION_DIGITS = 18
_BEYOND_ANY_FILE: int = 10**MAX_POSITION_DIGITS
# RFC 9110 14.1.2: one int-range or suffix-range, ASCII digits only (str.isdigit
# would take "²" or "٣", which int() then refuses or misreads).
_ONE_BYTE_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)", re.IGNORECASE)


def parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """``(first, last)`` of one byte range, ``"unsatisfiable"``, or ``None`` when the
    header is to be ignored, as RFC 9110 allows (malformed, too long, another
    unit, several ranges: the whole object is sent)."""
    if len(header) > MAX_RANGE_HEADER_CHARS:
        return None
    match = _ONE_BYTE_RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text:
        if not last_text:
            return None
        suffix = _position(last_text)
        if suffix == 0 or size == 0:
            return UNSATISFIABLE
        return max(0, size - suffix), size - 1
    first = _position(first_text)
    last = _position(last_text) if last_text else None
    if last is not None and last < first:
        return None
    if first >= size:
        return UNSATISFIABLE
    return first, size - 1 if last is None else min(last, size - 1)


def _position(digits: str) -> int:
    significant = digits.lstrip("0")
    if len(significant) > MAX_POSITION_DIGITS:
        return _BEYOND_ANY_FILE
    return int(significant or "0")


async def _read(path: Path, start: int, length: int) -> AsyncIterator[bytes]:
    # No handle is held across a yield: when a client goes away mid-stream (a TV
    # dropping a video it was preloading) the response stops iterating without
    # closing this generator, and a held file would stay open until collected.
    position, end = start, start + length
    while position < end:
        chunk = await asyncio.to_thread(
            _read_chunk, path, position, min(CHUNK_BYTES, end - position)
        )
        if not chunk:
            break
        position += len(chunk)
        yield chunk


def _read_chunk(path: Path, offset: int, size: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read(size)
