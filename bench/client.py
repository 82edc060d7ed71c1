"""A lean HTTP/1.1 keep-alive client for passes over a whole fleet.

A pass asks every TV's content once (warming the cache, reading the ETags), or
until each one answers a new version (the rebuild after a news change). httpx
spends more CPU per request than the server does on a cache hit; on a shared
2-core machine that would measure the client. This client writes the request
bytes and reads a Content-Length (or chunked) response on asyncio streams, on
uvloop: a few microseconds per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, deque
from dataclasses import dataclass, field


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> Response:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(
                self.host, self.port, limit=2**24
            )
        assert self._reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body or method in ("POST", "PUT"):
            lines.append(f"Content-Length: {len(body)}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        try:
            response = await self._read(self._reader, method)
        except (asyncio.IncompleteReadError, ConnectionError):
            await self.close()
            raise
        if response.headers.get("connection", "").lower() == "close":
            await self.close()
        return response

    async def _read(self, reader: asyncio.StreamReader, method: str) -> Response:
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            return Response(status, headers, b"")
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            return Response(status, headers, b"".join(chunks))
        length = int(headers.get("content-length", "0"))
        return Response(status, headers, await reader.readexactly(length))

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


@dataclass
class PassResult:
    seconds: float = 0.0
    # code -> ETag of the answer that finished it
    etags: dict[str, str] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: int = 0
    requests: int = 0
    unfinished: int = 0
    body_bytes: int = 0
    # seconds since the start when each code finished, in order
    finished_at: list[float] = field(default_factory=list)


async def content_pass(
    host: str,
    port: int,
    codes: list[str],
    *,
    old_etags: dict[str, str] | None = None,
    once: bool = False,
    concurrency: int = 64,
    timeout: float = 600.0,
    stall_seconds: float = 60.0,
) -> PassResult:
    """Ask every code's content until it answers 200 (with an ETag other than
    ``old_etags[code]`` when given: the TV sends it as If-None-Match, so an old
    version is a 304 and the code goes back in the queue; with ``once``, a 304
    finishes it too: one revalidation per TV). Gives up after
    ``timeout``, or when no code finished for ``stall_seconds`` (a server down)."""
    result = PassResult()
    pending: deque[str] = deque(codes)
    in_flight = 0
    started = time.perf_counter()
    deadline = started + timeout
    progress = started

    async def worker() -> None:
        nonlocal in_flight, progress
        connection = Connection(host, port)
        try:
            while (now := time.perf_counter()) < deadline:
                if now - progress > stall_seconds:
                    return
                if not pending:
                    if in_flight == 0:
                        return
                    await asyncio.sleep(0.005)
                    continue
                code = pending.popleft()
                in_flight += 1
                headers = {}
                old = old_etags.get(code) if old_etags else None
                if old:
                    headers["If-None-Match"] = old
                try:
                    response = await connection.request(
                        "GET", f"/app/tv/{code}/content", headers
                    )
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    result.failures += 1
                    pending.append(code)
                    # A refused connection fails at once: do not spin on it.
                    await asyncio.sleep(0.05)
                    continue
                finally:
                    in_flight -= 1
                result.requests += 1
                result.statuses[response.status] += 1
                etag = response.headers.get("etag", "")
                if once and response.status == 304:
                    result.etags[code] = old or etag
                    progress = time.perf_counter()
                    result.finished_at.append(progress - started)
                elif response.status == 200 and (not old or etag != old):
                    result.etags[code] = etag
                    result.body_bytes = max(result.body_bytes, len(response.body))
                    progress = time.perf_counter()
                    result.finished_at.append(progress - started)
                else:
                    pending.append(code)
        finally:
            await connection.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    result.unfinished = len(pending)
    return result
