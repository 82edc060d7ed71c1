"""Serialized playlists: the cache entry format and the per-process copies.

A TV's body is its own short head followed by a part shared by every TV that plays
the same (``builder.render_for``)::

    {"tv":{...},"versao":"...",  +  "gerado_em":...,"itens":[...]}
    └── prefix (per TV) ───────┘    └── tail (shared, ``Tail``) ────┘

so the shared cache (in-process or Redis) holds the tail once, under its hash
(``keys.playlist_tail``), and per TV code a short entry naming it::

    b"<tv id> <versao> <valid until, epoch seconds> <tail id> <size>\\n" + prefix

``valid_until`` is wall-clock time, the same on every instance: an entry whose first
item expiry has passed is a miss even if the cache still holds it.

Beside it the cache holds the entry's *head*: that first line plus a checksum of
the prefix (``head``). A hit reads only the head and answers from this process's
record when the head is the one it holds; while the invalidation channel has been
up since that check, it does not even read the head (``TVRecord.checked_at``).

This process keeps, per code it served, a small ``TVRecord`` (versao, validity,
prefix, tail id: a few hundred bytes, enough for a 304 and a ping) in
``LastKnown``, and the tails in ``Tails``, a byte-budgeted LRU shared by the TVs
that play the same; a 200 whose tail was evicted reads it back from the shared
cache. A tail's gzip form is made once (``Tail.deflated``) and each TV's gzip body
is its prefix as a stored (uncompressed) deflate block followed by it
(``PlaylistEntry.gzipped``): one deflate stream, so one gzip member. The member's
CRC-32 is the prefix's combined with the tail's, both known (``crc32_combine``):
a gzip 200 neither compresses nor reads the tail. (A compressor per request cost
30-70 µs, most of it zlib setting up its window; the tail's CRC another 19 µs.)
"""

from __future__ import annotations

import hashlib
import struct
import sys
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

GZIP_LEVEL = 6
# A gzip member's header: deflate, no flags, mtime 0, no extra flags, OS unknown.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
TAIL_ID_BYTES = 12


class BodyNotLoaded(LookupError):
    """An entry served for its versao only (a ping, a 304) has no body."""


class Tail:
    """The shared part of the bodies of the TVs that play the same, named by its
    hash. Its gzip form is made the first time a TV takes gzip (``deflated``)."""

    __slots__ = (
        "_crc",
        "_deflated",
        "_on_deflated",
        "data",
        "id",
        "shared_until",
    )

    # Tails compressed in this process (tests: a copy is made once).
    deflations = 0

    def __init__(self, data: bytes, tail_id: str | None = None) -> None:
        self.data = data
        self.id = sys.intern(tail_id or tail_id_of(data))
        self._deflated: bytes | None = None
        # The data's CRC-32 and x^(8 len) modulo its polynomial (``crc32_combine``).
        self._crc: tuple[int, int] | None = None
        self._on_deflated: Callable[[Tail], None] | None = None
        # Until when (epoch seconds) this process stored it in the shared cache.
        self.shared_until = 0.0

    def __len__(self) -> int:
        return len(self.data) + len(self._deflated or b"")

    def deflated(self) -> bytes:
        """The tail as the last part of a raw deflate stream (final block)."""
        if self._deflated is None:
            compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
            self._deflated = compressor.compress(self.data) + compressor.flush()
            Tail.deflations += 1
            if self._on_deflated is not None:
                self._on_deflated(self)
        return self._deflated

    def crc(self) -> tuple[int, int]:
        """The data's CRC-32 and the factor that shifts a CRC past it."""
        if self._crc is None:
            self._crc = (zlib.crc32(self.data), crc32_shift(len(self.data)))
        return self._crc


_CRC32_POLY = 0xEDB88320  # reflected, as zlib has it
_CRC32_ONE = 1 << 31  # the polynomial 1, reflected


def _multmodp(a: int, b: int) -> int:
    """a times b modulo CRC-32's polynomial, bits reflected (zlib's multmodp)."""
    m = _CRC32_ONE
    product = 0
    while m:
        if a & m:
            product ^= b
            if not a & (m - 1):
                break
        m >>= 1
        b = (b >> 1) ^ _CRC32_POLY if b & 1 else b >> 1
    return product


def crc32_shift(length: int) -> int:
    """x^(8 length) modulo CRC-32's polynomial: a CRC carried past ``length``
    zero bytes is this times it (``crc32(zeros, c) ^ crc32(zeros, 0)`` is).
    Python's zlib has no crc32_combine of its own."""
    zeros = bytes(length)
    return zlib.crc32(zeros, _CRC32_ONE) ^ zlib.crc32(zeros)


def crc32_combine(first: int, second: int, shift: int) -> int:
    """The CRC-32 of A + B from A's, B's and ``crc32_shift(len(B))``."""
    return _multmodp(shift, first) ^ second


def stored_blocks(data: bytes) -> bytes:
    """``data`` as stored (uncompressed), non-final deflate blocks."""
    blocks = []
    for start in range(0, len(data), 0xFFFF):
        chunk = data[start : start + 0xFFFF]
        size = len(chunk)
        blocks.append(b"\x00" + struct.pack("<HH", size, size ^ 0xFFFF) + chunk)
    return b"".join(blocks)


def tail_id_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=TAIL_ID_BYTES).hexdigest()


@dataclass(frozen=True, slots=True)
class PlaylistEntry:
    """One TV's playlist as served: its versao and validity, and its body when
    loaded (``tail``; a ping or a 304 needs only the versao)."""

    code: str
    tv_id: int
    version: str
    valid_until: float
    # The body's per-TV head, and the id of the shared rest.
    prefix: bytes
    tail_id: str
    # The body's length in bytes.
    size: int
    tail: Tail | None = None

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

    @property
    def has_body(self) -> bool:
        return self.tail is not None

    @property
    def body(self) -> bytes:
        if self.tail is None:
            raise BodyNotLoaded(self.code)
        return self.prefix + self.tail.data

    def gzipped(self) -> bytes:
        """The body as one gzip member: the prefix stored as it is, then the
        tail's compressed form (made once per tail)."""
        tail = self.tail
        if tail is None:
            raise BodyNotLoaded(self.code)
        tail_crc, shift = tail.crc()
        checksum = crc32_combine(zlib.crc32(self.prefix), tail_crc, shift)
        trailer = struct.pack("<II", checksum, self.size & 0xFFFFFFFF)
        return b"".join(
            (_GZIP_HEADER, stored_blocks(self.prefix), tail.deflated(), trailer)
        )

    def with_tail(self, tail: Tail | None) -> PlaylistEntry:
        # By position: ``dataclasses.replace`` walks the fields (about 5 µs on
        # every 200).
        return PlaylistEntry(
            self.code,
            self.tv_id,
            self.version,
            self.valid_until,
            self.prefix,
            self.tail_id,
            self.size,
            tail,
        )

    def is_fresh(self, now_ts: float) -> bool:
        return now_ts < self.valid_until


def make_entry(
    code: str, tv_id: int, version: str, valid_until: float, prefix: bytes, tail: Tail
) -> PlaylistEntry:
    return PlaylistEntry(
        code=sys.intern(code),
        tv_id=tv_id,
        version=version,
        valid_until=valid_until,
        prefix=prefix,
        tail_id=tail.id,
        size=len(prefix) + len(tail.data),
        tail=tail,
    )


def _first_line(entry: PlaylistEntry) -> str:
    return (
        f"{entry.tv_id} {entry.version} {entry.valid_until!r} "
        f"{entry.tail_id} {entry.size}"
    )


def encode(entry: PlaylistEntry) -> bytes:
    """The shared cache's per-code entry (the tail is stored apart)."""
    return f"{_first_line(entry)}\n".encode() + entry.prefix


def head(entry: PlaylistEntry) -> bytes:
    """What identifies these exact bytes: the entry's first line (the tail's hash
    among it) and a checksum of its prefix (two builds of one versao differ in
    ``gerado_em``)."""
    return f"{_first_line(entry)} {zlib.crc32(entry.prefix)}".encode()


def decode(code: str, raw: bytes) -> PlaylistEntry | None:
    """The entry in ``raw`` (without its tail), or None when it is not one (a
    foreign or old format)."""
    header, sep, prefix = raw.partition(b"\n")
    if not sep:
        return None
    try:
        tv_id, version, valid_until, tail_id, size = header.decode().split(" ")
        return PlaylistEntry(
            code=sys.intern(code),
            tv_id=int(tv_id),
            version=version,
            valid_until=float(valid_until),
            prefix=prefix,
            tail_id=sys.intern(tail_id),
            size=int(size),
        )
    except ValueError:
        return None


class TVRecord(NamedTuple):
    """What this process keeps of one TV's playlist: its entry without the tail
    (some 500 bytes with its prefix and its ``LastKnown`` slot).

    ``LastKnown`` stores it as a plain tuple of atoms (strings, numbers, bytes),
    which CPython's collector stops tracking: 100,000 records add nothing to a
    full collection. As objects of a class they are tracked, and at 100,000 TVs
    every full collection walked them: 40-130 ms pauses under load (issue #15).
    """

    code: str
    tv_id: int
    version: str
    valid_until: float
    prefix: bytes
    tail_id: str
    size: int
    # False once invalidated: still good as a fallback while the database is
    # down, never as a fresh answer.
    is_current: bool
    # When (``time.monotonic``) the shared cache last said these bytes are
    # current, or this process stored them: while the invalidation channel has
    # been up since then, a hit need not ask it again (``PlaylistCache.trusted``).
    checked_at: float = float("-inf")

    @classmethod
    def of(
        cls,
        entry: PlaylistEntry,
        is_current: bool,
        *,
        checked_at: float = float("-inf"),
    ) -> TVRecord:
        return cls(
            entry.code,
            entry.tv_id,
            entry.version,
            entry.valid_until,
            entry.prefix,
            entry.tail_id,
            entry.size,
            is_current,
            checked_at,
        )

    @property
    def entry(self) -> PlaylistEntry:
        """The entry, without its tail (its fields are the entry's first seven)."""
        return PlaylistEntry(*self[:7])

    def is_fresh(self, now_ts: float) -> bool:
        return now_ts < self.valid_until

    @property
    def head(self) -> bytes:
        return head(self.entry)


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """At most ``max_items`` values by key, the least recently used dropped first
    (a plain dict in use order: some 60 bytes an entry less than an OrderedDict)."""

    def __init__(self, max_items: int) -> None:
        self._items: dict[K, V] = {}
        self._max_items = max_items

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: K) -> V | None:
        value = self._items.pop(key, None)
        if value is not None:
            self._items[key] = value
        return value

    def put(self, key: K, value: V) -> V | None:
        """Keep ``value``; returns the one it replaced."""
        previous = self._items.pop(key, None)
        self._items[key] = value
        while len(self._items) > self._max_items:
            del self._items[next(iter(self._items))]
        return previous

    def pop(self, key: K) -> None:
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()

    @property
    def items(self) -> dict[K, V]:
        """The values by key, least recently used first (changing one in place
        keeps its place)."""
        return self._items


# A TVRecord as LastKnown keeps it: an exact tuple (see ``TVRecord``).
_Record = tuple[str, int, str, float, bytes, str, int, bool, float]
_IS_CURRENT = TVRecord._fields.index("is_current")


class LastKnown:
    """The last playlist built or seen per TV code (its ``TVRecord``, a few hundred
    bytes: tails are kept apart), at most ``max_items`` of them, the least
    recently used dropped first."""

    def __init__(self, max_items: int) -> None:
        self._records: Recent[str, _Record] = Recent(max_items)

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, code: object) -> bool:
        return code in self._records

    def get(self, code: str) -> TVRecord | None:
        raw = self._records.get(code)
        return None if raw is None else TVRecord._make(raw)

    def put(self, record: TVRecord) -> TVRecord | None:
        """Keep ``record``; returns the one it replaced."""
        previous = self._records.put(record.code, _as_tuple(record))
        return None if previous is None else TVRecord._make(previous)

    def mark(
        self, code: str, *, is_current: bool, checked_at: float | None = None
    ) -> None:
        """Set a kept record's state (nothing when the code is not kept)."""
        record = self.get(code)
        if record is None:
            return
        if checked_at is None:
            checked_at = record.checked_at
        changed = record._replace(is_current=is_current, checked_at=checked_at)
        self._records.put(code, _as_tuple(changed))

    def mark_outdated(self, codes: set[str] | None) -> None:
        """Invalidate these codes (None: all) while keeping them as fallbacks."""
        records = self._records.items
        for code in list(records) if codes is None else codes:
            raw = records.get(code)
            if raw is not None and raw[_IS_CURRENT]:
                records[code] = (*raw[:_IS_CURRENT], False, *raw[_IS_CURRENT + 1 :])  # type: ignore[assignment]

    def pop(self, code: str) -> None:
        self._records.pop(code)

    def clear(self) -> None:
        self._records.clear()

    def codes(self) -> list[str]:
        return list(self._records.items)


def _as_tuple(record: TVRecord) -> _Record:
    """The record as an exact tuple, which the collector can stop tracking (a
    named tuple is a subclass: tracked for as long as it lives)."""
    return tuple(record)  # type: ignore[return-value]


class Tails:
    """The shared parts of bodies (and their gzip forms) this process holds, by
    tail id, within a byte budget (LRU)."""

    def __init__(self, max_bytes: int) -> None:
        self._tails: OrderedDict[str, Tail] = OrderedDict()
        self._sizes: dict[str, int] = {}
        self._bytes = 0
        self._max_bytes = max_bytes

    def __len__(self) -> int:
        return len(self._tails)

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, tail_id: str) -> Tail | None:
        tail = self._tails.get(tail_id)
        if tail is not None:
            self._tails.move_to_end(tail_id)
        return tail

    def put(self, tail: Tail) -> Tail:
        """Keep ``tail`` (or the equal one already kept, which is returned)."""
        kept = self._tails.get(tail.id)
        if kept is not None:
            self._tails.move_to_end(tail.id)
            return kept
        self._tails[tail.id] = tail
        tail._on_deflated = self._resized
        self._resized(tail)
        return tail

    def _resized(self, tail: Tail) -> None:
        if self._tails.get(tail.id) is not tail:
            return
        size = len(tail)
        self._bytes += size - self._sizes.get(tail.id, 0)
        self._sizes[tail.id] = size
        while self._bytes > self._max_bytes and len(self._tails) > 1:
            tail_id, _ = self._tails.popitem(last=False)
            self._bytes -= self._sizes.pop(tail_id)

    def clear(self) -> None:
        self._tails.clear()
        self._sizes.clear()
        self._bytes = 0
