"""What the request edge checks in a body before any parser sees it.

- JSON: nesting depth (``MAX_JSON_DEPTH``), NUL characters (``\\u0000``) and lone
  UTF-16 surrogates (``\\ud800``), found by byte-level scans that never recurse, so a
  body of ``[[[[...`` costs what its length costs and never reaches ``json.loads``'
  recursion limit (a ``RecursionError``, once a 500 on every JSON route).
- URL-encoded forms and query strings: NUL in a name or value.
- multipart: NUL in a text field (a streaming parse beside the app's, file parts
  skipped).

Each check answers the 422 it finds, naming the field; ``None`` when the body is fine.
NUL is refused because PostgreSQL can not store it in a text column (a 500 there),
and no field of the contract has a use for it; a lone surrogate can not even be
encoded as UTF-8.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from expotv.errors import Invalid

# Our deepest body (an item's ``horarios``) nests 4 levels; parsers recurse per level.
MAX_JSON_DEPTH = 32

_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_HIGH = rb"\\u[dD][89abAB][0-9a-fA-F]{2}"
_LOW = rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}"
_LONE_SURROGATE = re.compile(rb"%s(?!%s)|(?<!%s)%s" % (_HIGH, _LOW, _HIGH, _LOW))


class JsonTooDeep(
    Invalid,
    code="json_too_deep",
    detail=f"JSON aninhado demais: o máximo são {MAX_JSON_DEPTH} níveis",
): ...


class JsonInvalid(Invalid, code="json_invalid", detail="JSON inválido"): ...


class NulCharacter(
    Invalid,
    code="nul_character",
    detail="o texto não pode conter o caractere NUL (\\u0000)",
): ...


class InvalidUnicode(
    Invalid,
    code="invalid_unicode",
    detail="o texto contém um caractere Unicode inválido",
): ...


def _without_escaped_backslashes(body: bytes) -> bytes:
    # Backslashes pair up from the left of a run, as JSON reads them: in what is
    # left, every backslash starts an escape (two of them, then ``u0000``, is
    # text; three, then ``u0000``, a NUL).
    return body.replace(b"\\\\", b"")


def _outside_strings(body: bytes) -> bytes:
    """``body`` with its strings cut out (what is left: numbers, literals, syntax)."""
    unescaped = _without_escaped_backslashes(body).replace(b'\\"', b"")
    return b"".join(unescaped.split(b'"')[::2])


def _has_huge_integer(body: bytes) -> bool:
    """A number with more digits than Python turns into an int (4300 by default):
    ``json.loads`` raises a ValueError that is not a JSON error (FastAPI's 400)."""
    digits = sys.get_int_max_str_digits()
    if not digits or len(body) <= digits:
        return False
    # Matches start only where a run of digits starts: each run is read once.
    run = re.compile(rb"(?<![0-9])[0-9]{%d}" % (digits + 1))
    return run.search(_outside_strings(body)) is not None


def json_depth_within(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool | None:
    """True when ``body`` nests at most ``limit`` levels, False when deeper, None
    when its brackets do not even balance (it is not JSON).

    Only ``bytes`` methods that run in C: strings (which can hold brackets) are cut
    out, then everything that is not a bracket.
    """
    brackets = _outside_strings(body).translate(_BRACKETS, _NOT_BRACKETS)
    # Each pass removes the innermost level everywhere (``[]`` pairs adjacent once
    # their contents are gone): a body of depth d is empty after d passes.
    too_deep = b"[" * (limit + 1)
    for _ in range(limit):
        if not brackets:
            return True
        if too_deep in brackets:
            return False
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            return None
        brackets = shorter
    return not brackets


def _strings(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[Any, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield path + (key,), key
            yield from _strings(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, path + (index,))


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _locate(body: bytes, bad: Callable[[str], bool]) -> tuple[str | int, ...]:
    try:
        document = json.loads(body)
    except ValueError:
        return ("body",)
    for path, text in _strings(document):
        if bad(text):
            return ("body", *path)
    return ("body",)


def check_json(body: bytes) -> Invalid | None:
    if not body.strip():
        return None
    try:
        # RFC 8259: JSON between systems is UTF-8 (the parser would fail on anything
        # else with an error FastAPI answers as a 400).
        body.decode("utf-8")
    except UnicodeDecodeError:
        return JsonInvalid(loc=("body",))
    within = json_depth_within(body)
    if within is None:
        return JsonInvalid(loc=("body",))
    if not within:
        return JsonTooDeep(loc=("body",))
    if _has_huge_integer(body):
        return JsonInvalid(loc=("body",))
    unescaped = _without_escaped_backslashes(body)
    if b"\\u0000" in unescaped:
        return NulCharacter(loc=_locate(body, lambda text: "\x00" in text))
    if (b"\\ud" in unescaped or b"\\uD" in unescaped) and _LONE_SURROGATE.search(
        unescaped
    ):
        return InvalidUnicode(loc=_locate(body, _has_surrogate))
    return None


def check_pairs(encoded: bytes, location: str) -> Invalid | None:
    """NUL in a URL-encoded query string or form body (``location``: query/body)."""
    if b"%00" not in encoded and b"\x00" not in encoded:
        return None
    for name, value in parse_qsl(encoded.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return NulCharacter(loc=(location, name.replace("\x00", "")))
    return None


class MultipartTextScan:
    """Fed the chunks of a multipart body; remembers the first text field with a NUL.

    Runs beside the app's own parser (about 30 ms per 50 MB); a body it can not
    parse is left for the app's parser to refuse.
    """

    def __init__(self, content_type: str) -> None:
        _, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        self.problem: Invalid | None = None
        self._header: list[bytes] = []
        self._field = b""
        self._value = b""
        self._disposition = b""
        self._name = ""
        self._is_text = False
        self._parser: MultipartParser | None = None
        if boundary:
            self._parser = MultipartParser(
                boundary,
                {
                    "on_part_begin": self._part_begin,
                    "on_header_field": self._header_field,
                    "on_header_value": self._header_value,
                    "on_header_end": self._header_end,
                    "on_headers_finished": self._headers_finished,
                    "on_part_data": self._part_data,
                },
            )

    def feed(self, chunk: bytes) -> None:
        if self._parser is None or self.problem is not None or not chunk:
            return
        try:
            self._parser.write(chunk)
        except MultipartParseError:
            self._parser = None

    def _part_begin(self) -> None:
        self._disposition = b""
        self._is_text = False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        if self._field.lower() == b"content-disposition":
            self._disposition = self._value
        self._field = self._value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        self._is_text = b"filename" not in options
        if "\x00" in self._name:
            self.problem = NulCharacter(loc=("body", self._name.replace("\x00", "")))

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        # UTF-8 never uses the byte 0 but for NUL itself: no decoding needed.
        if self._is_text and data.find(b"\x00", start, end) != -1:
            self.problem = NulCharacter(loc=("body", self._name))
