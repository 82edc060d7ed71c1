"""``realtime.socket.TVSocket``: what one TV socket is told, and when (no task of
its own while idle; a short one writes when there is something to send)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from expotv.realtime.socket import CLOSE_RESTARTING, TVSocket


class Sent:
    """An ASGI ``send`` that records frames (each write takes one loop turn)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def __call__(self, message: dict[str, Any]) -> None:
        await asyncio.sleep(0)
        self.messages.append(message)

    @property
    def events(self) -> list[dict[str, Any]]:
        return [json.loads(m["text"]) for m in self.messages if "text" in m]


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_only_the_newest_version_is_sent_and_only_once() -> None:
    sent = Sent()
    socket = TVSocket("ABC234", "10.0.0.1", sent, ping_seconds=60)
    await socket.greet("v1")
    socket.push("v2")
    socket.push("v3")  # before the first write ran: v2 is never sent
    await settle()
    socket.push("v3")
    await settle()
    socket.stop()
    assert sent.events == [
        {"evento": "conectado", "versao": "v1"},
        {"evento": "conteudo_atualizado", "versao": "v3"},
    ]


async def test_an_idle_socket_holds_no_task_and_pings_after_silence() -> None:
    sent = Sent()
    socket = TVSocket("ABC234", "10.0.0.1", sent, ping_seconds=0.05)
    before = len(asyncio.all_tasks())
    await socket.greet("v1")
    assert len(asyncio.all_tasks()) == before
    await asyncio.sleep(0.18)
    pings = sent.events[1:]
    assert 2 <= len(pings) <= 4
    assert set(map(json.dumps, pings)) == {json.dumps({"evento": "ping"})}
    await settle()
    assert len(asyncio.all_tasks()) == before
    socket.stop()
    count = len(sent.messages)
    await asyncio.sleep(0.12)
    assert len(sent.messages) == count


async def test_a_nudge_puts_the_keep_alive_off() -> None:
    sent = Sent()
    socket = TVSocket("ABC234", "10.0.0.1", sent, ping_seconds=0.1)
    await socket.greet("v1")
    await asyncio.sleep(0.07)
    socket.push("v2")
    await asyncio.sleep(0.07)  # 0.14 s after the hello, 0.07 after the nudge
    socket.stop()
    assert [e["evento"] for e in sent.events] == ["conectado", "conteudo_atualizado"]


async def test_the_server_stopping_closes_with_1012() -> None:
    sent = Sent()
    socket = TVSocket("ABC234", "10.0.0.1", sent, ping_seconds=60)
    await socket.greet("v1")
    socket.close()
    await settle()
    socket.stop()
    assert sent.messages[-1]["type"] == "websocket.close"
    assert sent.messages[-1]["code"] == CLOSE_RESTARTING


async def test_a_socket_gone_while_written_to_is_left_alone() -> None:
    async def gone(message: dict[str, Any]) -> None:
        if "conteudo" in message.get("text", ""):
            raise OSError("broken pipe")

    socket = TVSocket("ABC234", "10.0.0.1", gone, ping_seconds=60)
    await socket.greet("v1")
    socket.push("v2")
    await settle()
    socket.push("v3")  # a new write is started, and fails the same quiet way
    await settle()
    socket.stop()
