"""The client address behind proxies (no app: ``ClientAddresses`` on headers)."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from expotv.edge.clients import ClientAddresses

PROXIES = [ip_network("10.0.0.0/8"), ip_network("127.0.0.1/32"), ip_network("fd00::/8")]


def xff(*values: str) -> list[tuple[bytes, bytes]]:
    return [(b"x-forwarded-for", value.encode()) for value in values]


@pytest.mark.parametrize(
    ("peer", "headers", "client"),
    [
        # Not a trusted peer: the header is a client's word, ignored.
        ("203.0.113.7", xff("1.2.3.4"), "203.0.113.7"),
        # The proxy appended the real client; what the client wrote on the left
        # is never taken.
        ("127.0.0.1", xff("6.6.6.6, 198.51.100.2"), "198.51.100.2"),
        # Proxies in a chain are skipped from the right.
        ("10.0.0.2", xff("198.51.100.3, 10.0.0.9"), "198.51.100.3"),
        ("10.0.0.2", xff("198.51.100.3", "10.1.1.1"), "198.51.100.3"),
        # Only trusted hops: the leftmost is as far as anyone vouches.
        ("10.0.0.2", xff("10.0.0.5"), "10.0.0.5"),
        # Garbage a client wrote: the last address a proxy vouched for.
        ("10.0.0.2", xff("nada, 10.0.0.5"), "10.0.0.5"),
        ("10.0.0.2", xff("nada"), "10.0.0.2"),
        # Ports and IPv6, IPv4-mapped peers.
        ("127.0.0.1", xff("[2001:db8::1]:443"), "2001:db8::1"),
        ("127.0.0.1", xff("198.51.100.4:5123"), "198.51.100.4"),
        ("::ffff:10.0.0.2", xff("198.51.100.5"), "198.51.100.5"),
        ("fd00::1", [], "fd00::1"),
    ],
)
def test_forwarded_for_is_believed_only_as_far_as_trusted_proxies(
    peer: str, headers: list[tuple[bytes, bytes]], client: str
) -> None:
    assert ClientAddresses(PROXIES).client_of(peer, headers) == client


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    addresses = ClientAddresses([])
    assert addresses.client_of("127.0.0.1", xff("1.2.3.4")) == "127.0.0.1"
    scope = {"type": "http", "client": ("127.0.0.1", 1), "headers": xff("1.2.3.4")}
    addresses.rewrite(scope)
    assert scope["client"] == ("127.0.0.1", 1)


def test_a_single_address_header_takes_the_proxys_own_copy() -> None:
    addresses = ClientAddresses(PROXIES, header="Fly-Client-IP")
    headers = [
        (b"fly-client-ip", b"6.6.6.6"),  # sent by the client
        (b"fly-client-ip", b"198.51.100.6"),  # set by the proxy
        *xff("7.7.7.7"),
    ]
    assert addresses.client_of("10.0.0.2", headers) == "198.51.100.6"
    assert addresses.client_of("203.0.113.1", headers) == "203.0.113.1"


@pytest.mark.parametrize("kind", ["http", "websocket"])
def test_rewrite_puts_the_client_in_the_scope(kind: str) -> None:
    scope = {"type": kind, "client": ("10.0.0.2", 4000), "headers": xff("9.9.9.9")}
    ClientAddresses(PROXIES).rewrite(scope)
    assert scope["client"] == ("9.9.9.9", 4000)
