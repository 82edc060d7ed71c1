"""The cache entry format, the last-known copies and If-None-Match matching."""

from __future__ import annotations

import dataclasses
import gc
import gzip
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expotv.playlist.answers import etag_matches
from expotv.playlist.store import (
    BodyNotLoaded,
    LastKnown,
    PlaylistEntry,
    Tail,
    Tails,
    TVRecord,
    crc32_combine,
    crc32_shift,
    decode,
    encode,
    head,
    make_entry,
)

TAIL = b'"gerado_em":"2026-01-01T00:00:00+00:00","itens":[]}'


def entry(code: str = "ABC234", tail: bytes = TAIL) -> PlaylistEntry:
    return make_entry(
        code, 7, "0123abcd", 1.5e9 + 0.25, b'{"tv":{},"versao":"v",', Tail(tail)
    )


def test_entry_survives_encoding_but_its_tail() -> None:
    original = entry(tail=b'"a":"\n\xc3\xa7"}')
    decoded = decode("ABC234", encode(original))
    assert decoded == original.with_tail(None)
    assert decoded is not None
    assert decoded.size == len(original.body)
    with pytest.raises(BodyNotLoaded):
        _ = decoded.body
    assert decoded.with_tail(original.tail).body == original.body


def test_with_tail_changes_the_tail_and_keeps_every_other_field() -> None:
    original = entry()
    other = Tail(b'"x":1}')
    assert original.with_tail(other) == dataclasses.replace(original, tail=other)
    assert original.with_tail(None) == dataclasses.replace(original, tail=None)


@pytest.mark.parametrize(
    "raw", [b"", b"no header", b"x y\nbody", b"1 v nan-ish\n{}", b"1 v 2.0 t\n{}"]
)
def test_foreign_bytes_are_not_an_entry(raw: bytes) -> None:
    assert decode("ABC234", raw) is None


def test_entry_is_fresh_until_its_deadline() -> None:
    e = entry()
    assert e.is_fresh(e.valid_until - 0.001)
    assert not e.is_fresh(e.valid_until)
    assert e.etag == '"0123abcd"'


def test_the_head_names_the_tail_and_the_prefix() -> None:
    one = entry()
    assert head(one) != head(entry(tail=TAIL + b" "))
    other = make_entry("ABC234", 7, "0123abcd", one.valid_until, b"{}", Tail(TAIL))
    assert head(one) != head(other)
    assert TVRecord.of(one, is_current=True).head == head(one)


def test_gzip_body_is_one_member_and_its_tail_is_compressed_once() -> None:
    tail = Tail(b'"itens":[' + b'{"titulo":"anuncio"},' * 500 + b"{}]}")
    one = make_entry("AAAAAA", 1, "v1", 2e9, b'{"tv":{"codigo":"AAAAAA"},', tail)
    two = make_entry("BBBBBB", 2, "v2", 2e9, b'{"tv":{"codigo":"BBBBBB"},', tail)
    before = Tail.deflations
    for e in (one, two):
        packed = e.gzipped()
        assert gzip.decompress(packed) == e.body
        # One member: a decoder that stops at the first member's end sees it all.
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        assert decoder.decompress(packed) == e.body
        assert decoder.eof
        assert not decoder.unused_data
        assert len(packed) < e.size // 10
    assert Tail.deflations == before + 1


@given(st.binary(max_size=70_000), st.binary(max_size=5_000))
@settings(max_examples=40)
def test_a_gzip_body_is_the_body_for_any_prefix_and_tail(
    prefix: bytes, data: bytes
) -> None:
    one = make_entry("AAAAAA", 1, "v1", 2e9, prefix, Tail(data))
    # gzip.decompress checks the member's CRC-32 and length.
    assert gzip.decompress(one.gzipped()) == prefix + data


@given(st.binary(max_size=300), st.binary(max_size=3_000))
def test_crc32_combine_is_the_crc_of_the_two_together(
    first: bytes, second: bytes
) -> None:
    combined = crc32_combine(
        zlib.crc32(first), zlib.crc32(second), crc32_shift(len(second))
    )
    assert combined == zlib.crc32(first + second)


def test_tails_evict_the_least_recent_past_their_budget_gzip_included() -> None:
    tails = Tails(max_bytes=3000)
    first, second = Tail(b"a" * 1000), Tail(b"b" * 1000)
    assert tails.put(first) is first
    tails.put(second)
    # An equal tail is the one kept.
    assert tails.put(Tail(b"a" * 1000)) is first
    first.deflated()
    assert tails.bytes == 2000 + len(first.deflated())
    tails.put(Tail(b"c" * 1000))
    assert tails.get(second.id) is None
    assert tails.get(first.id) is first
    assert tails.bytes <= 3000


def test_last_known_keeps_the_most_recent_records() -> None:
    store = LastKnown(max_items=3)
    for code in ("AAAAAA", "BBBBBB", "CCCCCC"):
        store.put(TVRecord.of(entry(code), is_current=True))
    assert store.get("AAAAAA") is not None  # now the most recent
    store.put(TVRecord.of(entry("DDDDDD"), is_current=True))
    assert store.codes() == ["CCCCCC", "AAAAAA", "DDDDDD"]


def test_a_record_keeps_no_body() -> None:
    record = TVRecord.of(entry(), is_current=True)
    assert record.entry.tail is None
    assert record.entry.size == len(entry().body)


def test_outdated_records_stay_as_fallbacks() -> None:
    store = LastKnown(max_items=10)
    store.put(TVRecord.of(entry(), is_current=True))
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


def test_kept_records_are_not_walked_by_the_collector() -> None:
    """100,000 records as objects made every full collection walk them all."""
    store = LastKnown(max_items=10)
    store.put(TVRecord.of(entry("AAAAAA"), is_current=True, checked_at=5.0))
    store.put(TVRecord.of(entry("BBBBBB"), is_current=True))
    store.mark("AAAAAA", is_current=True, checked_at=9.0)
    store.mark_outdated({"BBBBBB"})
    gc.collect()
    kept = store._records.items
    assert not any(gc.is_tracked(raw) for raw in kept.values())
    first, second = store.get("AAAAAA"), store.get("BBBBBB")
    assert first is not None
    assert second is not None
    assert (first.is_current, first.checked_at) == (True, 9.0)
    assert (second.is_current, second.entry) == (False, entry("BBBBBB").with_tail(None))
    store.mark("ZZZZZZ", is_current=False)  # not kept: nothing to mark
    assert "ZZZZZZ" not in store
