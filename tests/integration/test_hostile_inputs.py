"""Hostile values in every place a route reads, as each level: never a 5xx (issue 14).

schemathesis (``test_openapi_fuzz.py``) generates requests from the schema, valid
and invalid. What a schema-driven generator does not send is sent here, the same
fixed set to every operation of /openapi.json and to the dashboard and player
pages outside it:

    path and query   numbers past every integer type, ``1e309``, ``NaN``, NUL
                     (``%00``), invalid UTF-8 (``%FF``, overlong, surrogates),
                     long strings, dot segments
    headers          the operation's own header parameters, oversized
    JSON bodies      every property at once set to a huge string, a 400-digit
                     number, ``1e400``, NUL, a lone surrogate, a 20,000-item list,
                     ...; and raw bodies: 100,000 levels of nesting, a 5,000-digit
                     number, invalid UTF-8, truncated JSON, a UTF-16 body, NUL bytes
    content types    text/plain, XML, a form, multipart without a boundary, none
    multipart        every form field hostile, with a file that is not a picture

Every answer must be below 500, not a 400, and (for an operation of /openapi.json)
one of the statuses the operation documents: 4xx mostly, a value that happens to be
valid may succeed. The server must still be live after.
The sweep runs over a fresh demo database of its own and its own server, so its
misses do not spend the rate limits of the schemathesis run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest

from expotv.demo import DEMO_PASSWORD
from expotv.users.schemas import Level
from tests import support
from tests.integration.painel.browserless import sign_in
from tests.integration.test_openapi_fuzz import (
    EMAILS,
    PUBLIC_PATHS,
    SPEC,
    FuzzTarget,
    fuzz_target,
    level_headers,
)

# A sweep of generated input over every route: run untraced by coverage (tracing
# it doubled its time), which counts what the targeted tests execute.
pytestmark = pytest.mark.no_cover

__all__ = ["fuzz_target", "level_headers"]

# Every level, Master last: what it breaks is restored before the next test.
LEVELS = [Level.VISITANTE, Level.SINDICO, Level.MASTER]

METHODS = ("get", "put", "post", "delete", "patch")
PARAM = re.compile(r"\{(\w+)(?::path)?\}")

# Raw (already percent-encoded) values for a path segment or a query value.
URL_VALUES = {
    "huge_number": "9" * 400,
    "int64_overflow": "9223372036854775808",
    "negative": "-1",
    "float_overflow": "1e309",
    "nan": "NaN",
    "nul": "a%00b",
    "invalid_utf8": "%FF%FE",
    "overlong_utf8": "%C0%AF",
    "surrogate_utf8": "%ED%A0%80",
    "long_string": "a" * 6000,
    "dot_segments": "..%2F..%2Fetc%2Fpasswd",
    "emoji": "%F0%9F%92%A9",
}
# Raw JSON text of one value, put in every property of a body at once.
# (Strings are sized so that a body stays under EXPOTV_MAX_BODY_BYTES: a larger one
# is refused before it is read, by the edge's own tests.)
JSON_VALUES = {
    "huge_string": '"' + "x" * 60_000 + '"',
    "huge_int": "1" + "0" * 400,
    "int64_overflow": "9223372036854775808",
    "float_overflow": "1e400",
    "negative": "-1",
    "nul": '"a\\u0000b"',
    "lone_surrogate": '"\\ud800"',
    "null": "null",
    "nested": "[" * 30 + "]" * 30,
    "long_list": "[" + ",".join(["1"] * 20_000) + "]",
    "object": '{"a": {"b": "c"}}',
    "bool": "true",
}
# Whole bodies, whatever the operation takes: (name, content type, bytes).
RAW_BODIES: list[tuple[str, str | None, bytes]] = [
    ("deep_array", "application/json", b"[" * 100_000 + b"]" * 100_000),
    ("deep_object_unclosed", "application/json", b'{"a":' * 50_000),
    ("number_5000_digits", "application/json", b'{"x": 1' + b"0" * 5000 + b"}"),
    ("invalid_utf8", "application/json", b'{"nome": "\xff\xfe\xfd"}'),
    ("truncated", "application/json", b'{"nome": '),
    ("not_an_object", "application/json", b"[1, 2, 3]"),
    ("empty", "application/json", b""),
    ("nul_bytes", "application/json", b"\x00" * 1000),
    ("utf16", "application/json; charset=utf-16", '{"nome": "x"}'.encode("utf-16")),
    ("text_plain", "text/plain", b'{"nome": "x"}'),
    ("xml", "application/xml", b"<a>x</a>"),
    ("form", "application/x-www-form-urlencoded", b"nome=%FF%00&nome=x"),
    ("multipart_no_boundary", "multipart/form-data", b"--x\r\n\r\n"),
    ("no_content_type", None, b'{"nome": "x"}'),
]
# Raw bytes of one multipart field.
FORM_VALUES = {
    "huge_string": b"x" * 200_000,
    "nul": b"a\x00b",
    "invalid_utf8": b"\xff\xfe",
    "huge_int": b"1" + b"0" * 400,
    "float_overflow": b"1e400",
    "negative": b"-1",
    "empty": b"",
    "json_garbage": b'[{"dias": [' * 1000,
}
NOT_A_PICTURE = ("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    query: tuple[str, ...]
    headers: tuple[str, ...]
    json_properties: tuple[str, ...] | None
    form_properties: tuple[str, ...] | None
    # The statuses its OpenAPI responses document.
    documented: frozenset[int]

    @property
    def params(self) -> list[str]:
        return PARAM.findall(self.path)

    @property
    def public(self) -> bool:
        return re.match(PUBLIC_PATHS, self.path) is not None


def _properties(content: dict[str, Any], media_type: str) -> tuple[str, ...] | None:
    if media_type not in content:
        return None
    return tuple(_resolved(content[media_type]["schema"]).get("properties", {}))


def _resolved(schema: dict[str, Any]) -> dict[str, Any]:
    """The object schema behind a ``$ref``, or behind an optional body's ``anyOf``."""
    if "$ref" in schema:
        return _resolved(
            SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        )
    for branch in schema.get("anyOf", ()):
        found = _resolved(branch)
        if found.get("properties"):
            return found
    return schema


def operations() -> list[Operation]:
    found = []
    for path, item in SPEC["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            params = op.get("parameters", [])
            content = op.get("requestBody", {}).get("content", {})
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    query=tuple(p["name"] for p in params if p["in"] == "query"),
                    headers=tuple(p["name"] for p in params if p["in"] == "header"),
                    json_properties=_properties(content, "application/json"),
                    form_properties=_properties(content, "multipart/form-data"),
                    documented=frozenset(int(code) for code in op["responses"]),
                )
            )
    return found


OPERATIONS = operations()


def test_every_json_body_has_its_properties_found() -> None:
    """Else the JSON sweep would send ``{}`` and test nothing."""
    empty = [
        f"{op.method} {op.path}"
        for op in OPERATIONS
        if op.json_properties is not None and not op.json_properties
    ]
    assert empty == []


@dataclass(frozen=True)
class Attempt:
    label: str
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    files: dict[str, Any] | None = None
    # For an operation of /openapi.json: the statuses it may answer.
    documented: frozenset[int] | None = None


def _url(op: Operation, base: dict[str, str], **values: str) -> str:
    return PARAM.sub(lambda m: values.get(m[1], base.get(m[1], "1")), op.path)


def attempts(op: Operation, base: dict[str, str]) -> Iterator[Attempt]:
    """Every hostile request for ``op``; ``base``: valid path values by name."""
    for attempt in _attempts(op, base):
        yield replace(attempt, documented=op.documented)


def _attempts(op: Operation, base: dict[str, str]) -> Iterator[Attempt]:
    name = f"{op.method} {op.path}"
    has_body = op.json_properties is not None or op.form_properties is not None
    json_type = {"content-type": "application/json"}
    for param in op.params:
        for label, value in URL_VALUES.items():
            yield Attempt(
                f"{name} path {param}={label}",
                op.method,
                _url(op, base, **{param: value}),
                json_type if has_body else {},
                b"{}" if has_body else None,
            )
    if op.query:
        for label, value in URL_VALUES.items():
            query = "&".join(f"{q}={value}" for q in op.query)
            yield Attempt(
                f"{name} query={label}", op.method, f"{_url(op, base)}?{query}"
            )
        repeated = "&".join(f"{q}=1&{q}=2" for q in op.query)
        yield Attempt(
            f"{name} query repeated", op.method, f"{_url(op, base)}?{repeated}"
        )
    for header in op.headers:
        for label, value in (("huge", "x" * 7000), ("quotes", '"' * 500)):
            yield Attempt(
                f"{name} header {header}={label}",
                op.method,
                _url(op, base),
                {header: value},
            )
    if op.json_properties is not None:
        for label, value in JSON_VALUES.items():
            members = ", ".join(f'"{p}": {value}' for p in op.json_properties)
            yield Attempt(
                f"{name} json={label}",
                op.method,
                _url(op, base),
                json_type,
                ("{" + members + "}").encode(),
            )
    if has_body:
        for label, content_type, body in RAW_BODIES:
            headers = {"content-type": content_type} if content_type else {}
            yield Attempt(
                f"{name} body={label}", op.method, _url(op, base), headers, body
            )
    if op.form_properties is not None:
        fields = [p for p in op.form_properties if p != "arquivo"]
        for label, raw in FORM_VALUES.items():
            files: dict[str, Any] = dict.fromkeys(fields, (None, raw))
            if "arquivo" in op.form_properties:
                files["arquivo"] = NOT_A_PICTURE
            yield Attempt(
                f"{name} multipart={label}", op.method, _url(op, base), files=files
            )


@dataclass
class Sweep:
    sent: int = 0
    failures: list[str] = field(default_factory=list)

    async def send(
        self, client: httpx.AsyncClient, attempt: Attempt, headers: dict[str, str]
    ) -> None:
        self.sent += 1
        try:
            response = await client.request(
                attempt.method,
                attempt.url,
                headers={**headers, **attempt.headers},
                content=attempt.content,
                files=attempt.files,
            )
        except httpx.TransportError as exc:
            # A body refused part-way is drained before the answer (the edge's
            # lingering read): the client always gets to read it.
            self.failures.append(f"{attempt.label}: {type(exc).__name__}")
            return
        status = response.status_code
        # 400 is not an answer of the contract's REST API (FastAPI's "error parsing
        # the body" when a parser fails in a way the edge did not foresee).
        undocumented = attempt.documented is not None and (
            status not in attempt.documented
        )
        if status >= 500 or status == 400 or undocumented:
            self.failures.append(
                f"{attempt.label}: {response.status_code} {response.text[:200]}"
            )


async def base_values(
    client: httpx.AsyncClient, master: dict[str, str]
) -> dict[str, str]:
    """Real path values, so a hostile body or query reaches a real object."""
    tvs = await client.get("/tvs", params={"limit": 1}, headers=master)
    ads = await client.get("/anuncios", params={"limit": 1}, headers=master)
    assert tvs.status_code == ads.status_code == 200, (tvs.text, ads.text)
    tv = tvs.json()["items"][0]
    media = httpx.URL(ads.json()["items"][0]["archive_url"]).path
    return {
        "codigo": tv["codigo"],
        "tv_id": str(tv["id"]),
        "key": media.removeprefix("/media/"),
    }


async def _live(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health/live")).status_code == 200


async def sweep_operations(
    target: FuzzTarget, master: dict[str, str], headers: dict[str, str], public: bool
) -> Sweep:
    """Every attempt on the public operations, or on the others, with ``headers``."""
    sweep = Sweep()
    async with httpx.AsyncClient(base_url=target.base_url, timeout=60) as client:
        base = await base_values(client, master)
        for op in OPERATIONS:
            if op.public is public:
                for attempt in attempts(op, base):
                    await sweep.send(client, attempt, headers)
        await _live(client)
    return sweep


@pytest.mark.parametrize("level", LEVELS, ids=lambda level: level.value)
async def test_hostile_values_in_management_operations_are_never_a_5xx(
    level: Level, fuzz_target: FuzzTarget, level_headers: dict[Level, dict[str, str]]
) -> None:
    master, headers = level_headers[Level.MASTER], level_headers[level]
    sweep = await sweep_operations(fuzz_target, master, headers, public=False)
    assert sweep.sent > 800
    assert sweep.failures == []


async def test_hostile_values_in_public_operations_are_never_a_5xx(
    fuzz_target: FuzzTarget, level_headers: dict[Level, dict[str, str]]
) -> None:
    master = level_headers[Level.MASTER]
    sweep = await sweep_operations(fuzz_target, master, {}, public=True)
    assert sweep.sent > 100
    assert sweep.failures == []


PAGES = [
    "/tv/{codigo}",
    "/painel/usuarios/{id}",
    "/painel/condominios/{id}",
    "/painel/condominios/{id}/editar",
    "/painel/tvs/{id}",
    "/painel/tvs/{id}/previa.json",
    "/painel/anuncios/{id}",
    "/painel/avisos/{id}",
    "/painel/noticias/{id}",
    "/painel/{id}",
]
LISTS = ["/painel/usuarios", "/painel/condominios", "/painel/tvs", "/painel/anuncios"]
LISTS += ["/painel/avisos", "/painel/noticias", "/painel/noticias/fontes"]
LIST_QUERY = ("q", "status", "condominio_id", "pagina", "page", "offset", "limit")


@pytest.mark.parametrize("level", [Level.MASTER, Level.SINDICO], ids=lambda x: x.value)
async def test_hostile_values_in_pages_are_never_a_5xx(
    level: Level, fuzz_target: FuzzTarget, level_headers: dict[Level, dict[str, str]]
) -> None:
    """The player page and the dashboard's pages, signed in (path and query)."""
    sweep = Sweep()
    async with httpx.AsyncClient(base_url=fuzz_target.base_url, timeout=60) as client:
        # The fuzz's Síndico is the demo's (its password); the Master is the fuzz's.
        password = DEMO_PASSWORD if level is Level.SINDICO else support.PASSWORD
        await sign_in(client, EMAILS[level], password)
        for page in PAGES:
            for label, value in URL_VALUES.items():
                url = page.replace("{codigo}", value).replace("{id}", value)
                await sweep.send(client, Attempt(f"{page} {label}", "GET", url), {})
        for page in LISTS:
            for label, value in URL_VALUES.items():
                query = "&".join(f"{q}={value}" for q in LIST_QUERY)
                attempt = Attempt(f"{page}?{label}", "GET", f"{page}?{query}")
                await sweep.send(client, attempt, {})
        await _live(client)
    assert sweep.sent > 150
    assert sweep.failures == []
