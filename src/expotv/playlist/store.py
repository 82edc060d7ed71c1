"""Serialized playlists: the cache entry format and the per-process last-known copies.

A cache entry is one byte string, so the shared cache (in-process or Redis) holds
the response exactly as sent::

    b"<tv id> <versao> <valid until, epoch seconds>\\n" + body

``valid_until`` is wall-clock time, the same on every instance: an entry whose first
item expiry has passed is a miss even if the cache still holds it.

Beside it the cache holds the entry's *head*: that first line plus a checksum of
the body (``head``). A hit reads only the head (some 60 bytes instead of the whole
body) and answers from this process's copy when the head is the one it holds;
while the invalidation channel has been up since that check, it does not even
read the head (``LocalRecord.checked_at``).
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class PlaylistEntry:
    code: str
    tv_id: int
    version: str
    body: bytes
    valid_until: float

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

    def is_fresh(self, now_ts: float) -> bool:
        return now_ts < self.valid_until


def encode(entry: PlaylistEntry) -> bytes:
    header = f"{entry.tv_id} {entry.version} {entry.valid_until!r}\n".encode()
    return header + entry.body


def head(entry: PlaylistEntry) -> bytes:
    """What identifies these exact bytes: the entry's first line and a checksum of
    its body (two builds of one versao differ in ``gerado_em``)."""
    checksum = zlib.crc32(entry.body)
    return f"{entry.tv_id} {entry.version} {entry.valid_until!r} {checksum}".encode()


def decode(code: str, raw: bytes) -> PlaylistEntry | None:
    """The entry in ``raw``, or None when it is not one (a foreign or old format)."""
    header, sep, body = raw.partition(b"\n")
    if not sep:
        return None
    try:
        tv_id, version, valid_until = header.decode().split(" ")
        return PlaylistEntry(
            code=code,
            tv_id=int(tv_id),
            version=version,
            body=body,
            valid_until=float(valid_until),
        )
    except ValueError:
        return None


@dataclass(slots=True)
class LocalRecord:
    entry: PlaylistEntry
    # False once invalidated: still good as a fallback while the database is down,
    # never as a fresh answer.
    is_current: bool
    # ``head(entry)``, compared with the shared cache's on a hit.
    head: bytes = field(default=b"")
    # When (``time.monotonic``) the shared cache last said these bytes are
    # current, or this process stored them: while the invalidation channel has
    # been up since then, a hit need not ask it again (``PlaylistCache.trusted``).
    checked_at: float = float("-inf")

    def __post_init__(self) -> None:
        if not self.head:
            self.head = head(self.entry)


def _size(record: LocalRecord) -> int:
    # Only the body is kept: a hit compares heads, never the shared cache's bytes.
    return len(record.entry.body) + len(record.head)


class LastKnown:
    """The last playlist built or seen per TV code, within a byte budget (LRU)."""

    def __init__(self, max_bytes: int) -> None:
        self._records: OrderedDict[str, LocalRecord] = OrderedDict()
        self._bytes = 0
        self._max_bytes = max_bytes

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, code: object) -> bool:
        return code in self._records

    def get(self, code: str) -> LocalRecord | None:
        record = self._records.get(code)
        if record is not None:
            self._records.move_to_end(code)
        return record

    def put(self, record: LocalRecord) -> LocalRecord | None:
        code = record.entry.code
        previous = self._records.pop(code, None)
        if previous is not None:
            self._bytes -= _size(previous)
        self._records[code] = record
        self._bytes += _size(record)
        while self._bytes > self._max_bytes and len(self._records) > 1:
            _, evicted = self._records.popitem(last=False)
            self._bytes -= _size(evicted)
        return previous

    def pop(self, code: str) -> None:
        record = self._records.pop(code, None)
        if record is not None:
            self._bytes -= _size(record)

    def mark_outdated(self, codes: set[str] | None) -> None:
        """Invalidate these codes (None: all) while keeping them as fallbacks."""
        if codes is None:
            for record in self._records.values():
                record.is_current = False
            return
        for code in codes:
            known = self._records.get(code)
            if known is not None:
                known.is_current = False

    def codes(self) -> list[str]:
        return list(self._records)

    def clear(self) -> None:
        self._records.clear()
        self._bytes = 0
