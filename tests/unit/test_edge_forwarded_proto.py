"""X-Forwarded-Proto is the request's scheme only when a trusted proxy sent it."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

import pytest

from expotv.edge.clients import ClientAddresses

PROXY = "10.0.0.5"


def _scope(peer: str, proto: str | None, kind: str = "http") -> dict[str, Any]:
    headers = [(b"x-forwarded-for", b"203.0.113.7")]
    if proto is not None:
        headers.append((b"x-forwarded-proto", proto.encode()))
    scheme = "http" if kind == "http" else "ws"
    return {"type": kind, "client": (peer, 4000), "headers": headers, "scheme": scheme}


@pytest.mark.parametrize(
    ("kind", "proto", "expected"),
    [
        ("http", "https", "https"),
        ("http", "http", "http"),
        ("http", "http, https", "https"),
        ("websocket", "https", "wss"),
        ("http", "gopher", "http"),
        ("http", None, "http"),
    ],
)
def test_a_trusted_proxy_says_which_scheme_the_client_used(
    kind: str, proto: str | None, expected: str
) -> None:
    clients = ClientAddresses([ip_network("10.0.0.0/8")])
    scope = _scope(PROXY, proto, kind)
    clients.rewrite(scope)
    assert scope["scheme"] == expected
    assert scope["client"] == ("203.0.113.7", 4000)


def test_anyone_else_saying_https_changes_nothing() -> None:
    for clients, peer in (
        (ClientAddresses([ip_network("10.0.0.0/8")]), "198.51.100.1"),
        (ClientAddresses([]), PROXY),
    ):
        scope = _scope(peer, "https")
        clients.rewrite(scope)
        assert scope["scheme"] == "http"
