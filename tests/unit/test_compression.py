"""gzip negotiation (``expotv.edge.compression``)."""

from __future__ import annotations

import pytest

from expotv.edge.compression import accepts_gzip, weak_etag


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


def test_weak_etag() -> None:
    assert weak_etag(b'"v1"') == b'W/"v1"'
    assert weak_etag(b'W/"v1"') == b'W/"v1"'
