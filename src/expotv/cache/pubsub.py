"""Publish/subscribe between instances: Redis when configured, in-process otherwise.

A message published on one instance reaches the handlers subscribed on every
instance, its own included, once. Delivery is best effort: while Redis is down only
the publishing instance hears it (TVs also poll, so a lost nudge costs a few seconds).
Handlers are plain callables and must not block (put the message on a queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis

from expotv.cache.redis import REDIS_ERRORS, RedisLink
from expotv.tasks import cancel_and_wait

log = logging.getLogger(__name__)

Handler = Callable[[bytes], None]
# Messages kept while Redis is down; past this the oldest go (the others resync on
# reconnecting anyway).
_MAX_UNSENT = 1000
ResyncHook = Callable[[], None]


class PubSub(Protocol):
    def subscribe(self, channel: str, handler: Handler) -> None:
        """Call ``handler`` with each message published on ``channel``."""

    def on_resync(self, hook: ResyncHook) -> None:
        """Call ``hook`` after a gap in delivery (messages may have been missed)."""

    async def publish(self, channel: str, message: bytes, *, echo: bool = True) -> None:
        """Deliver to every instance's handlers (not this one's when ``echo=False``)."""

    def up_since(self, heard_within: float) -> float | None:
        """Since when (``time.monotonic``) every other instance's message has
        reached this one, the channel heard from within ``heard_within`` seconds;
        None while it is down or silent."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class LocalPubSub:
    """In-process delivery: all there is with a single instance."""

    def __init__(self) -> None:
        self._handlers: defaultdict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, channel: str, handler: Handler) -> None:
        self._handlers[channel].append(handler)

    def on_resync(self, hook: ResyncHook) -> None:
        return None

    async def publish(self, channel: str, message: bytes, *, echo: bool = True) -> None:
        if echo:
            self.deliver(channel, message)

    def up_since(self, heard_within: float) -> float | None:
        # One process: every message is delivered where it is published.
        return float("-inf")

    def deliver(self, channel: str, message: bytes) -> None:
        for handler in list(self._handlers.get(channel, ())):
            try:
                handler(message)
            except Exception:
                log.exception("falha ao entregar mensagem de %s", channel)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._handlers.clear()


class RedisPubSub:
    """Redis channels (under the key prefix) fanned out to every instance.

    The publisher delivers to its own handlers at once and tags what it sends with
    its instance id, so its listener skips the echo: local delivery never waits for
    (or depends on) the round trip through Redis.
    """

    def __init__(
        self,
        link: RedisLink,
        *,
        instance_id: str | None = None,
        poll_seconds: float = 1.0,
        health_check_seconds: int = 5,
        heartbeat_seconds: float = 0.25,
        max_backoff_seconds: float = 5.0,
    ) -> None:
        self.link = link
        self.instance_id = (instance_id or uuid.uuid4().hex).encode()
        self._local = LocalPubSub()
        self._channels: dict[bytes, str] = {}
        self._resync_hooks: list[ResyncHook] = []
        self._poll_seconds = poll_seconds
        self._health_check_seconds = health_check_seconds
        self._heartbeat_seconds = heartbeat_seconds
        # When the current subscription was confirmed, and last heard from
        # (``up_since``): its pongs, every ``heartbeat_seconds`` when idle.
        self._up_since: float | None = None
        self._heard = float("-inf")
        self._max_backoff_seconds = max_backoff_seconds
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._listener_up = True
        self._unsent: deque[tuple[str, bytes]] = deque(maxlen=_MAX_UNSENT)
        link.on_recovery(self._send_unsent)

    def subscribe(self, channel: str, handler: Handler) -> None:
        if self._task is not None:
            raise RuntimeError("subscribe antes de start()")
        self._channels[self.link.key(channel).encode()] = channel
        self._local.subscribe(channel, handler)

    def on_resync(self, hook: ResyncHook) -> None:
        self._resync_hooks.append(hook)

    async def publish(self, channel: str, message: bytes, *, echo: bool = True) -> None:
        if echo:
            self._local.deliver(channel, message)
        envelope = self.instance_id + b"|" + message

        async def primary(client: Redis[bytes]) -> None:
            await client.publish(self.link.key(channel), envelope)

        async def fallback() -> None:
            # Sent when Redis returns, after the cache has replayed its deletes, so
            # the others refresh from a shared cache that no longer holds old copies.
            self._unsent.append((channel, envelope))

        await self.link.call("publish", primary, fallback)

    async def _send_unsent(self, client: Redis[bytes]) -> None:
        while self._unsent:
            channel, envelope = self._unsent[0]
            await client.publish(self.link.key(channel), envelope)
            self._unsent.popleft()

    async def start(self) -> None:
        if self._task is None and self._channels:
            self._task = asyncio.create_task(self._listen(), name="expotv-pubsub")

    def up_since(self, heard_within: float) -> float | None:
        if self._up_since is None or time.monotonic() - self._heard > heard_within:
            return None
        return self._up_since

    async def wait_listening(self, timeout: float = 5.0) -> None:
        """Until the listener is subscribed (tests; start-up ordering)."""
        await asyncio.wait_for(self._listening.wait(), timeout)

    async def close(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        self._listening.clear()
        self._up_since = None
        await self._local.close()

    async def _listen(self) -> None:
        loop = asyncio.get_running_loop()
        backoff = 0.2
        first = True
        while True:
            client = self.link.new_client(socket_timeout=None)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(*self._channels)
                if not first:
                    # Redis is evidently back: let the cache and publishers catch up
                    # before the handlers re-read shared state.
                    await self.link.recover_now()
                self._connected(first)
                first = False
                backoff = 0.2
                # Its pong comes after the subscription took effect: from then on
                # no message is missed (``up_since``).
                await pubsub.ping()
                last_heard = last_ping = loop.time()
                poll = min(self._poll_seconds, self._heartbeat_seconds)
                while True:
                    message = await pubsub.get_message(
                        ignore_subscribe_messages=True, timeout=poll
                    )
                    now = loop.time()
                    if message is not None:
                        last_heard = now
                        self._heard = time.monotonic()
                        if self._up_since is None:
                            self._up_since = self._heard
                        if message.get("type") == "message":
                            self._dispatch(message.get("channel"), message.get("data"))
                        continue
                    # A half-open connection reads nothing forever: ping when idle
                    # and give up on it when even the pong does not come back.
                    if now - last_heard > 2 * self._health_check_seconds:
                        raise ConnectionError("pub/sub sem resposta do Redis")
                    if now - last_ping >= self._heartbeat_seconds:
                        last_ping = now
                        await pubsub.ping()
            except asyncio.CancelledError:
                self._up_since = None
                raise
            except REDIS_ERRORS as exc:
                self._up_since = None
                self._listening.clear()
                if self._listener_up:
                    self._listener_up = False
                    log.warning(
                        "pub/sub do Redis caiu (%s); avisos só locais até voltar", exc
                    )
                first = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff_seconds)
            except Exception:
                # A bug must not silence every instance's nudges for good.
                log.exception("falha inesperada no pub/sub; reconectando")
                self._up_since = None
                self._listening.clear()
                first = False
                await asyncio.sleep(self._max_backoff_seconds)
            finally:
                with contextlib.suppress(*REDIS_ERRORS):
                    await pubsub.aclose()  # type: ignore[attr-defined]
                with contextlib.suppress(*REDIS_ERRORS):
                    await client.aclose()  # type: ignore[attr-defined]

    def _connected(self, first: bool) -> None:
        self._listening.set()
        if not self._listener_up:
            self._listener_up = True
            log.warning("pub/sub do Redis reconectado")
        if not first:
            for hook in self._resync_hooks:
                try:
                    hook()
                except Exception:
                    log.exception("falha ao ressincronizar após reconexão")

    def _dispatch(self, channel: object, data: object) -> None:
        if not isinstance(channel, bytes) or not isinstance(data, bytes):
            return
        name = self._channels.get(channel)
        origin, sep, payload = data.partition(b"|")
        if name is None or not sep or origin == self.instance_id:
            return
        self._local.deliver(name, payload)
