"""The TV's answers, as bytes: the content (200 / 304, plain or gzip) and the ping.

One place for both ways a TV request is served, the lean ASGI fast path
(``fastpath``) and the FastAPI routes (``router``, for the schema and whatever the
fast path leaves to them), so the two cannot drift apart:

    200   the cached playlist body; gzip (``PlaylistEntry.gzipped``: the shared
          part's compressed copy is made once, ``store.Tail``) when the TV takes
          it and the body is at least ``GZIP_MIN_BYTES``
    304   ``If-None-Match`` holds the current versao (weak comparison)
    both  ``ETag: "<versao>"``, ``Cache-Control: public, max-age=30``,
          ``Vary: Accept-Encoding`` when the body is large enough to be
          compressed, and while the database is down and the answer is the
          last-known copy ``X-Expotv-Stale: 1`` and ``Warning: 110``

The ETag stays the contract's strong ``"<versao>"`` for the gzip body too (not
the weak tag ``JsonGzip`` gives other JSON): the versao is what the TV compares,
``Vary: Accept-Encoding`` keeps the two bodies apart in any cache, and
``If-None-Match`` compares weakly, so either body revalidates.
"""

from __future__ import annotations

from expotv.edge.compression import (
    CONTENT_ENCODING,
    GZIP_MIN_BYTES,
    VARY,
)
from expotv.playlist.cache import Served
from expotv.playlist.schemas import PingRead

Headers = list[tuple[bytes, bytes]]

CACHE_CONTROL = "public, max-age=30"
STALE_HEADERS = {"X-Expotv-Stale": "1", "Warning": '110 - "Response is Stale"'}
JSON = b"application/json"
_CACHE_CONTROL = (b"cache-control", CACHE_CONTROL.encode())
_STALE = [(k.lower().encode(), v.encode()) for k, v in STALE_HEADERS.items()]


def etag_matches(if_none_match: str | None, version: str) -> bool:
    """``If-None-Match`` against the current version (weak comparison, RFC 9110)."""
    if not if_none_match:
        return False
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*":
            return True
        tag = tag.removeprefix("W/")
        if len(tag) >= 2 and tag[0] == tag[-1] == '"':
            tag = tag[1:-1]
        if tag == version:
            return True
    return False


def content_answer(
    served: Served, *, if_none_match: str | None, takes_gzip: bool
) -> tuple[int, Headers, bytes]:
    """Status, headers and body of ``GET /app/tv/{codigo}/content``."""
    entry = served.entry
    compressible = entry.size >= GZIP_MIN_BYTES
    use_gzip = takes_gzip and compressible
    headers: Headers = [(b"etag", entry.etag.encode()), _CACHE_CONTROL]
    if compressible:
        headers.append(VARY)
    if served.is_stale:
        headers += _STALE
    if etag_matches(if_none_match, entry.version):
        return 304, headers, b""
    body = entry.gzipped() if use_gzip else entry.body
    head: Headers = [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", JSON),
    ]
    if use_gzip:
        head.append(CONTENT_ENCODING)
    return 200, head + headers, body


# ``PingRead``'s JSON for a versao that needs no escaping (every versao the
# builder makes: hex digits); ``tests/unit/test_answers.py`` holds the two equal.
_PING_BODY = b'{"status":"online","versao":"%s","intervalo_ping":%d}'


def ping_body(version: str, ping_interval_seconds: int) -> bytes:
    """A ping's JSON: formatted directly (under 1 µs; the model took 5-12)."""
    if version.isascii() and version.isalnum():
        return _PING_BODY % (version.encode(), ping_interval_seconds)
    return (
        PingRead(version=version, ping_interval_seconds=ping_interval_seconds)
        .model_dump_json(by_alias=True)
        .encode()
    )


def ping_answer(served: Served, *, ping_interval_seconds: int) -> tuple[Headers, bytes]:
    """Headers and body of a ping's 200."""
    body = ping_body(served.entry.version, ping_interval_seconds)
    headers: Headers = [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", JSON),
    ]
    if served.is_stale:
        headers += _STALE
    return headers, body
