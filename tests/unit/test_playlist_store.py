"""The cache entry format, the last-known copies and If-None-Match matching."""

from __future__ import annotations

import pytest

from expotv.playlist.answers import etag_matches
from expotv.playlist.store import (
    LastKnown,
    LocalRecord,
    PlaylistEntry,
    decode,
    encode,
    head,
)


def entry(code: str = "ABC234", body: bytes = b'{"itens":[]}') -> PlaylistEntry:
    return PlaylistEntry(
        code=code, tv_id=7, version="0123abcd", body=body, valid_until=1.5e9 + 0.25
    )


def test_entry_survives_encoding() -> None:
    original = entry(body=b'{"a":"\n\xc3\xa7"}')
    assert decode("ABC234", encode(original)) == original


@pytest.mark.parametrize("raw", [b"", b"no header", b"x y\nbody", b"1 v nan-ish\n{}"])
def test_foreign_bytes_are_not_an_entry(raw: bytes) -> None:
    assert decode("ABC234", raw) is None


def test_entry_is_fresh_until_its_deadline() -> None:
    e = entry()
    assert e.is_fresh(e.valid_until - 0.001)
    assert not e.is_fresh(e.valid_until)
    assert e.etag == '"0123abcd"'


def test_last_known_evicts_the_least_recent_past_its_budget() -> None:
    one = entry("AAAAAA")
    store = LastKnown(max_bytes=3 * (len(one.body) + len(head(one))))
    for code in ("AAAAAA", "BBBBBB", "CCCCCC"):
        e = entry(code)
        store.put(LocalRecord(e, is_current=True))
    assert store.get("AAAAAA") is not None  # now the most recent
    e = entry("DDDDDD")
    store.put(LocalRecord(e, is_current=True))
    assert store.codes() == ["CCCCCC", "AAAAAA", "DDDDDD"]


def test_outdated_records_stay_as_fallbacks() -> None:
    store = LastKnown(max_bytes=10_000)
    e = entry()
    store.put(LocalRecord(e, is_current=True))
    store.mark_outdated({"ABC234"})
    record = store.get("ABC234")
    assert record is not None
    assert not record.is_current
    store.pop("ABC234")
    assert "ABC234" not in store


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ("", False),
        ('"v1"', True),
        ('W/"v1"', True),
        ('"v0", "v1"', True),
        ("*", True),
        ('"v2"', False),
        ("v1", True),
        ('"v1', False),
    ],
)
def test_if_none_match(header: str | None, matches: bool) -> None:
    assert etag_matches(header, "v1") is matches
