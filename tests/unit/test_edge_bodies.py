"""The request edge's body checks, on bytes (no app, no parser)."""

from __future__ import annotations

import json

import pytest

from expotv.edge.bodies import (
    MAX_JSON_DEPTH,
    InvalidUnicode,
    JsonInvalid,
    JsonTooDeep,
    MultipartTextScan,
    NulCharacter,
    check_json,
    check_pairs,
    json_depth_within,
)


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


@pytest.mark.parametrize(
    "body",
    [b'{"nome": "\\ud800"}', b'{"a": "x\\uDC00y"}', b'["\\udbff"]'],
)
def test_lone_surrogate_escapes_are_refused(body: bytes) -> None:
    assert isinstance(check_json(body), InvalidUnicode)


@pytest.mark.parametrize(
    "body",
    [
        b'{"nome": "\\ud83d\\ude00"}',  # a valid pair (an emoji)
        b'{"nome": "S\\u00e3o Paulo"}',
        '{"nome": "Jo\u00e3o \U0001f600"}'.encode(),
        b'{"nome": "\\\\ud800"}',  # an escaped backslash, then text
        b'{"nome": "\\\\u0000"}',
        b'{"a": "[[[[", "b": "\\"{{{{"}',  # brackets inside strings do not nest
        b"",
    ],
)
def test_valid_json_passes(body: bytes) -> None:
    assert check_json(body) is None


def test_the_depth_limit_is_exact() -> None:
    assert check_json(nested(MAX_JSON_DEPTH)) is None
    assert isinstance(check_json(nested(MAX_JSON_DEPTH + 1)), JsonTooDeep)
    assert isinstance(check_json(b"[" * 200_000), JsonTooDeep)


def test_depth_is_counted_the_way_the_parser_counts_it() -> None:
    for depth in range(1, 12):
        body = json.dumps(json.loads(b"[" * depth + b"]" * depth)).encode()
        assert json_depth_within(body, depth) is True
        assert json_depth_within(body, depth - 1) is False


def test_unbalanced_brackets_and_other_encodings_are_invalid_json() -> None:
    assert isinstance(check_json(b'{"a": [1, 2}'), JsonInvalid)
    assert isinstance(check_json(b"]]]]][[[["), JsonInvalid)
    assert isinstance(check_json(b"\xff"), JsonInvalid)
    assert isinstance(check_json('{"a": "é"}'.encode("utf-16")), JsonInvalid)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (b'{"nome": "a\\u0000b"}', ["body", "nome"]),
        (b'{"x": [{"y": "ok"}, {"z": "\\u0000"}]}', ["body", "x", 1, "z"]),
        (b'{"nome": "\\\\\\u0000"}', ["body", "nome"]),
    ],
)
def test_nul_in_a_json_string_names_the_field(body: bytes, loc: list[object]) -> None:
    problem = check_json(body)
    assert isinstance(problem, NulCharacter)
    assert list(problem.loc) == loc


def test_nul_in_query_and_form_pairs_names_the_field() -> None:
    problem = check_pairs(b"limit=1&q=ab%00c", "query")
    assert isinstance(problem, NulCharacter)
    assert problem.loc == ("query", "q")
    assert check_pairs(b"q=abc&x=%2500", "query") is None


def multipart(*parts: tuple[str, bytes, str | None]) -> bytes:
    body = b""
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"'
        if filename:
            disposition += f'; filename="{filename}"'
        body += f"--B\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += value + b"\r\n"
    return body + b"--B--\r\n"


def test_multipart_nul_is_found_in_text_fields_not_in_files() -> None:
    body = multipart(("arquivo", b"\x00\x01binary", "a.png"), ("nome", b"a\x00b", None))
    scan = MultipartTextScan("multipart/form-data; boundary=B")
    for start in range(0, len(body), 7):  # in small chunks, as a socket delivers
        scan.feed(body[start : start + 7])
    assert isinstance(scan.problem, NulCharacter)
    assert scan.problem.loc == ("body", "nome")

    clean = MultipartTextScan("multipart/form-data; boundary=B")
    clean.feed(multipart(("arquivo", b"\x00" * 100, "a.png"), ("nome", b"ok", None)))
    assert clean.problem is None


def test_a_number_past_pythons_int_digits_is_invalid_json_not_a_400() -> None:
    # json.loads raised ValueError("Exceeds the limit (4300 digits)..."), which
    # FastAPI answered with a 400 outside the contract (found by the hostile sweep).
    refused = check_json(b'{"versao": 1' + b"0" * 5000 + b"}")
    assert refused is not None
    assert refused.code == "json_invalid"
    # The same digits in a string are text; runs up to the limit are numbers.
    assert check_json(b'{"versao": "' + b"1" * 5000 + b'"}') is None
    assert check_json(b"[" + b",".join([b"9" * 4300] * 200) + b"]") is None
