"""The client's address, the one every per-address limit counts.

A forwarded header (``X-Forwarded-For`` by default) is believed only when the peer
that connected is one of ``EXPOTV_TRUSTED_PROXIES``, and then only as far as the
chain of trusted proxies goes: walking the header from its right end (the entry
the nearest proxy appended), every address that is itself a trusted proxy is
skipped and the first one that is not is the client. What a client writes into the
header is therefore never taken unless a trusted proxy vouched for it. A header
holding one address (``Fly-Client-IP``, ``X-Real-IP``) is taken whole from a
trusted peer. With no trusted proxies (the default) the peer is the client.

``X-Forwarded-Proto`` from a trusted peer sets the request's scheme the same way
(what the client used in front of a TLS-terminating proxy).

The request edge rewrites ``scope["client"]`` with the result for HTTP and
WebSocket alike, whatever server runs the app (uvicorn's own ``proxy_headers`` is
off: it trusts loopback peers by default).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from starlette.types import Scope

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address

UNKNOWN = "unknown"
FORWARDED_FOR = "x-forwarded-for"
FORWARDED_PROTO = b"x-forwarded-proto"
_SCHEMES = {
    "http": {"https": "https", "http": "http"},
    "websocket": {"https": "wss", "http": "ws"},
}


def _parse(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.9:5123"
        value = value.split(":", 1)[0]
    try:
        address = ip_address(value)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class ClientAddresses:
    def __init__(self, proxies: Iterable[Network], header: str = FORWARDED_FOR):
        self.proxies: Sequence[Network] = tuple(proxies)
        self.header = header.lower().encode("latin-1")
        self.is_list = self.header == FORWARDED_FOR.encode()

    def is_trusted(self, address: Address | None) -> bool:
        return address is not None and any(address in net for net in self.proxies)

    def client_of(
        self, peer: str | None, headers: Iterable[tuple[bytes, bytes]]
    ) -> str:
        """The client's address for a connection from ``peer`` with ``headers``."""
        if peer is None:
            return UNKNOWN
        address = _parse(peer)
        if not self.proxies or not self.is_trusted(address):
            return peer
        values = [v.decode("latin-1") for k, v in headers if k.lower() == self.header]
        if not values:
            return peer
        if not self.is_list:
            # One address, set by the proxy: several copies mean a client sent one
            # too, and the proxy's own is the last.
            forwarded = _parse(values[-1])
            return str(forwarded) if forwarded is not None else peer
        hops = [hop for value in values for hop in value.split(",")]
        client = str(address)
        for hop in reversed(hops):
            hop_address = _parse(hop)
            if hop_address is None:
                # Garbage only a client writes: the last address vouched for wins.
                break
            client = str(hop_address)
            if not self.is_trusted(hop_address):
                break
        return client

    def rewrite(self, scope: Scope) -> None:
        """Put the client's address in ``scope["client"]`` (HTTP and WebSocket),
        and the scheme the client used in ``scope["scheme"]``."""
        if not self.proxies:
            return
        peer = scope.get("client")
        host, port = (peer[0], peer[1]) if peer else (None, 0)
        headers = scope.get("headers", ())
        client = self.client_of(host, headers)
        if client != host:
            scope["client"] = (client, port)
        if host is not None and self.is_trusted(_parse(host)):
            # Behind a TLS-terminating proxy the request reaches us as http: the
            # proxy says what the client used (the dashboard's cookie is Secure
            # only under https). The nearest proxy's value is the last one.
            protos = [v.decode("latin-1") for k, v in headers if k == FORWARDED_PROTO]
            proto = protos[-1].split(",")[-1].strip().lower() if protos else ""
            scheme = _SCHEMES.get(scope["type"], {}).get(proto)
            if scheme is not None:
                scope["scheme"] = scheme
