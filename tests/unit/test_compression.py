"""gzip negotiation and the compressed-copy cache (``expotv.edge.compression``)."""

from __future__ import annotations

import gzip

import pytest

from expotv.edge.compression import GzipCache, accepts_gzip, weak_etag


@pytest.mark.parametrize(
    ("header", "takes"),
    [
        (None, False),
        ("", False),
        ("identity", False),
        ("br", False),
        ("gzip", True),
        ("GZIP", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("x-gzip", True),
        ("*", True),
        ("*;q=0", False),
        ("gzip;q=0, *", False),
        ("br, *;q=0.1", True),
        ("gzip;q=nada", False),
    ],
)
def test_accept_encoding_is_read_as_rfc_9110_says(
    header: str | None, takes: bool
) -> None:
    assert accepts_gzip(header) is takes
    if header is not None:
        assert accepts_gzip(header.encode()) is takes


def test_the_copy_is_compressed_once_per_body() -> None:
    copies = GzipCache()
    body = b'{"itens":[' + b'{"tipo":"aviso"},' * 200 + b"{}]}"
    first = copies.get("ABC123", body)
    assert gzip.decompress(first) == body
    assert copies.get("ABC123", bytes(body)) is first  # equal bytes: same copy
    assert copies.compressions == 1

    changed = body.replace(b"aviso", b"anuncio")
    assert gzip.decompress(copies.get("ABC123", changed)) == changed
    assert copies.compressions == 2
    assert len(copies) == 1


def test_the_copies_stay_within_their_budget() -> None:
    copies = GzipCache(max_bytes=2_000)
    for n in range(20):
        copies.get(f"TV{n:04d}", bytes(range(256)) * 4)  # some 300 bytes compressed
    assert 1 <= len(copies) < 20
    assert copies.compressions == 20


def test_weak_etag() -> None:
    assert weak_etag(b'"v1"') == b'W/"v1"'
    assert weak_etag(b'W/"v1"') == b'W/"v1"'
