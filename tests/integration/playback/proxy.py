"""A loopback TCP proxy the tests can break, to take a real database away from an
app in the ways a network or a failover does.

    forward   pass bytes both ways (normal service)
    refuse    nothing listens: connections are refused (``cut`` does this)
    reset     accept, then close at once (a balancer with no backend)
    blackhole accept and read, never answer (a dead backend behind a balancer)
    slow      pass bytes both ways, each chunk after ``delay_seconds``

Switching mode applies to the connections already open too: ``refuse`` and
``reset`` abort them, ``blackhole`` stops forwarding on them, ``slow`` delays them.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from enum import StrEnum


class Mode(StrEnum):
    FORWARD = "forward"
    REFUSE = "refuse"
    RESET = "reset"
    BLACKHOLE = "blackhole"
    SLOW = "slow"


class TcpProxy:
    """Forwards ``127.0.0.1:<port>`` to ``target``."""

    def __init__(
        self, target_host: str, target_port: int, *, delay_seconds: float = 0.2
    ) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.delay_seconds = delay_seconds
        self.port = 0
        self.mode = Mode.FORWARD
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._resetter: _Resetter | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def set_mode(self, mode: Mode) -> None:
        self.mode = mode
        if mode in (Mode.REFUSE, Mode.RESET):
            self._abort_all()
        if self._resetter is not None:
            self._resetter.stop()
            self._resetter = None
        if mode in (Mode.REFUSE, Mode.RESET) and self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if mode is Mode.RESET:
            # Accepted and reset by a thread of its own, at once: the client sees
            # the connection die while it is still setting it up (what makes
            # asyncmy raise "Transport does not expose socket instance").
            self._resetter = _Resetter(self.port)
        elif mode is not Mode.REFUSE and self._server is None:
            await self.start()

    async def cut(self) -> None:
        await self.set_mode(Mode.REFUSE)
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def restore(self) -> None:
        if self.mode is Mode.BLACKHOLE:
            # Connections held in the black hole never get their answers: drop
            # them, as the balancer's own timeout would.
            self._abort_all()
        await self.set_mode(Mode.FORWARD)

    async def close(self) -> None:
        await self.cut()

    def _abort_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _accept(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        if self.mode is Mode.RESET:
            client_writer.transport.abort()
            return
        if self.mode is Mode.BLACKHOLE:
            self._writers.add(client_writer)
            self._spawn(self._swallow(client_reader))
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(
                self.target_host, self.target_port
            )
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update((client_writer, server_writer))
        for source, sink in (
            (client_reader, server_writer),
            (server_reader, client_writer),
        ):
            self._spawn(self._pipe(source, sink))

    def _spawn(self, coro: object) -> None:
        task = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _swallow(source: asyncio.StreamReader) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while await source.read(65536):
                pass

    async def _pipe(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter
    ) -> None:
        try:
            while data := await source.read(65536):
                while self.mode is Mode.BLACKHOLE:
                    await asyncio.sleep(0.05)  # held: never forwarded
                if self.mode is Mode.SLOW:
                    await asyncio.sleep(self.delay_seconds)
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(sink)
            with contextlib.suppress(OSError):
                sink.close()


class _Resetter:
    """Listens on ``port``; every connection is accepted and reset (RST) at once."""

    def __init__(self, port: int) -> None:
        self._listener = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self._listener.settimeout(0.1)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        linger = struct.pack("ii", 1, 0)  # close() sends RST instead of FIN
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            connection.close()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._listener.close()
