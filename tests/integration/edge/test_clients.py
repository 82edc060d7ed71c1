"""The client address behind proxies, on a real ``expotv serve``: a forwarded header
is believed only from EXPOTV_TRUSTED_PROXIES, for HTTP and WebSocket alike."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
import websockets

from tests.integration.edge.served import expotv_serve

pytestmark = pytest.mark.slow

LIMITS = {
    "login_max_failures_per_address": "3",
    "login_max_failures_per_email": "100",
    "tv_lookup_rate_per_minute": "2",
}


def failed_logins(base_url: str, forwarded_for: list[str]) -> list[int]:
    statuses = []
    for n, address in enumerate(forwarded_for):
        response = httpx.post(
            f"{base_url}/auth/login",
            json={"email": f"ninguem{n}@example.com", "senha": "senha-errada"},
            headers={"X-Forwarded-For": address},
        )
        statuses.append(response.status_code)
    return statuses


async def close_code(base_url: str, forwarded_for: str, n: int) -> int | None:
    """Open the socket of an unknown TV code and return how the server closed it."""
    url = base_url.replace("http://", "ws://") + f"/app/tv/ZZZZZ{n % 10}/ws"
    async with websockets.connect(
        url, additional_headers={"X-Forwarded-For": forwarded_for}
    ) as socket:
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(socket.recv(), timeout=10)
        return socket.close_code


async def block_then_try(base_url: str, blocked: str, other: str) -> int | None:
    """Guess codes as ``blocked`` until refused (4429), then once as ``other``."""
    for n in range(8):  # the limit is 2 a minute: refused within two windows
        if await close_code(base_url, blocked, n) == 4429:
            return await close_code(base_url, other, 9)
    raise AssertionError("as consultas nunca foram limitadas")


def test_forwarded_headers_from_an_untrusted_peer_change_nothing(
    tmp_path: Path,
) -> None:
    forged = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "10.9.9.9"]
    with expotv_serve(tmp_path, **LIMITS) as base_url:
        logins = failed_logins(base_url, forged)
        socket = asyncio.run(block_then_try(base_url, "203.0.113.5", "203.0.113.6"))
    # The peer (loopback) is the client, whatever the header says.
    assert logins == [401, 401, 401, 429, 429]
    assert socket == 4429


def test_a_trusted_proxy_names_the_client_by_the_rightmost_hop(tmp_path: Path) -> None:
    with expotv_serve(tmp_path, trusted_proxies="127.0.0.1", **LIMITS) as base_url:
        # Two clients behind the proxy: each its own counter.
        distinct = failed_logins(base_url, ["198.51.100.1", "198.51.100.2"] * 2)
        # One client writing addresses of its own on the left: the proxy appended
        # the real one, and that is what counts.
        spoofing = failed_logins(
            base_url, [f"1.1.1.{n}, 198.51.100.9" for n in range(5)]
        )
        socket = asyncio.run(block_then_try(base_url, "198.51.100.7", "198.51.100.8"))
    assert distinct == [401, 401, 401, 401]
    assert spoofing == [401, 401, 401, 429, 429]
    assert socket == 4404  # another client behind the same proxy is not blocked
