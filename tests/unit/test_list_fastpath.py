"""Which list queries the fast path answers itself, and under which key: the
same the route would use, or none (the route answers)."""

from __future__ import annotations

import pytest

from expotv.items.fastpath import page_key
from expotv.items.pages import PageKey


def key(query: str) -> PageKey | None:
    return page_key("ad", 7, "manager", query.encode())


def test_the_defaults_and_every_filter_make_the_routes_key() -> None:
    assert key("") == PageKey("ad", 7, "manager", None, None, None, 50, 0)
    assert key(
        "limit=200&offset=10000000&status=expirado&q=caf%C3%A9+bar&condominio_id=3"
    ) == PageKey("ad", 7, "manager", 3, "expirado", "café bar", 200, 10_000_000)


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=201",
        "limit=-1",
        "limit=+5",
        "limit=5.0",
        "limit=%EF%BC%95",  # a full-width digit
        "limit=",
        "limit=5&limit=6",
        "offset=10000001",
        "condominio_id=0",
        "condominio_id=2147483648",
        "status=ATIVO",
        "status=",
        "q=",
        "q=" + "a" * 201,
        "outro=1",
    ],
)
def test_anything_the_route_might_read_otherwise_goes_to_the_route(
    query: str,
) -> None:
    assert key(query) is None
