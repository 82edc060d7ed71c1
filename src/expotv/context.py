"""One typed application context for every process, built by one factory.

    open_context(settings, tv_serving=..., media_queue=..., jobs=..., feeds=...)

    always        settings, engine, sessionmaker (``SessionFactory``), cache,
                  storage, pub/sub, rate limiter (login, TV-code lookups),
                  playlists + their invalidator (a unit-of-work hook: a commit
                  anywhere invalidates the TVs' playlists on every instance) and
                  their edge schedule (shared on Redis), dependency probe, the
                  list pages of anúncios/avisos (``items.pages``: a unit-of-work
                  hook too)
    tv_serving    the TV side of ``expotv serve``: heartbeat writer, per-code ping
                  cap (synced with the other instances in the background),
                  WebSocket hub,
                  and the fan-out *listening* to other instances' invalidations
    (presence: the online rule with the pings not written yet, this process's
    and, with Redis, every instance's)
    media_queue   where uploads queue their conversions: an in-process worker, or
                  arq's Redis with ``EXPOTV_QUEUE_URL`` (then a unit-of-work hook)
    jobs          the scheduler (every domain's jobs, locked across instances)
    feeds         an outgoing HTTP client for news feeds

    expotv serve      tv_serving, media_queue, feeds, jobs when EXPOTV_RUN_JOBS
    expotv scheduler  jobs, feeds
    expotv worker     nothing more: it converts with the base parts (arq's job)

Parts a process did not ask for are ``None``; ``require`` turns that into a clear
error where a part is mandatory (a request dependency of ``serve``).

The HTTP app keeps its context on ``app.state.context`` and hands it out only
through ``context_of(app)`` and the typed request dependencies of ``expotv.deps``
(rather than Starlette's lifespan state: tests and the WebSocket endpoint reach the
same object from the app, and it is one attribute, read in one place).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, fields
from typing import TypeVar

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from expotv.auth.sessions import SessionRevocations
from expotv.cache import Cache, PubSub, create_cache, create_pubsub
from expotv.cache.ratelimit import RateLimiter
from expotv.cache.redis import RedisCache
from expotv.config import Settings
from expotv.db import SessionFactory, create_engine, create_sessionmaker
from expotv.items.kinds import KINDS
from expotv.items.pages import PageCache, Watched, record_writes
from expotv.media.queue import MediaQueueHook, run_media
from expotv.media.service import ConversionQueue
from expotv.news import feeds
from expotv.observability.health import DependencyProbe
from expotv.playlist.edges import create_edges
from expotv.playlist.fanout import InvalidationFanout
from expotv.playlist.invalidation import PlaylistInvalidator
from expotv.playlist.service import PlaylistService
from expotv.realtime.hub import ConnectionHub
from expotv.scheduler import JobParts, Scheduler, run_scheduler
from expotv.storage import create_storage
from expotv.storage.base import ObjectStorage
from expotv.tvs.heartbeat import HeartbeatWriter
from expotv.tvs.ping_limit import PingLimit
from expotv.tvs.pings import SharedPings
from expotv.tvs.presence import CombinedPings, PendingPings, Presence

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(kw_only=True)
class AppContext:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: SessionFactory
    cache: Cache
    storage: ObjectStorage
    pubsub: PubSub
    playlists: PlaylistService
    invalidator: PlaylistInvalidator
    fanout: InvalidationFanout
    limiter: RateLimiter
    presence: Presence
    health: DependencyProbe
    pages: PageCache
    heartbeats: HeartbeatWriter | None = None
    ping_limit: PingLimit | None = None
    shared_pings: SharedPings | None = None
    hub: ConnectionHub | None = None
    media_queue: ConversionQueue | None = None
    scheduler: Scheduler | None = None
    http: httpx.AsyncClient | None = None
    # Name resolution for feed URLs; tests point it at loopback servers.
    feeds_resolver: feeds.Resolver | None = field(default=None)

    def job_parts(self) -> JobParts:
        """What the scheduled jobs get of this context: its parts of those names."""
        return JobParts(**{f.name: getattr(self, f.name) for f in fields(JobParts)})


def require(part: T | None, name: str) -> T:
    """``part``, or a clear error when this process did not start it."""
    if part is None:
        raise RuntimeError(f"{name} não foi iniciado neste processo")
    return part


def context_of(app: Starlette) -> AppContext:
    """The context ``lifespan`` built for ``app`` (the one typed accessor)."""
    context = getattr(app.state, "context", None)
    if not isinstance(context, AppContext):
        raise RuntimeError("o contexto da aplicação ainda não foi criado (lifespan)")
    return context


@asynccontextmanager
async def open_context(
    settings: Settings,
    *,
    tv_serving: bool = False,
    media_queue: bool = False,
    jobs: bool = False,
    feeds_client: bool = False,
) -> AsyncIterator[AppContext]:
    """Build the parts a process asks for; close them in reverse on exit."""
    async with AsyncExitStack() as stack:
        engine = create_engine(settings)
        stack.push_async_callback(engine.dispose)
        sessionmaker = create_sessionmaker(engine)
        storage = create_storage(settings)
        stack.push_async_callback(storage.close)
        cache = create_cache(settings)
        stack.push_async_callback(cache.close)
        pubsub = await stack.enter_async_context(create_pubsub(settings, cache))
        limiter = RateLimiter(cache.link if isinstance(cache, RedisCache) else None)
        playlists = PlaylistService(
            sessionmaker=sessionmaker,
            cache=cache,
            settings=settings,
            limiter=limiter,
            edges=create_edges(cache),
        )
        stack.push_async_callback(playlists.close)
        # Only an instance with TVs of its own listens to the others' invalidations;
        # every process announces its own (the worker's conversions included).
        fanout = InvalidationFanout(pubsub, playlists, listen=tv_serving)
        stack.push_async_callback(fanout.close)
        invalidator = PlaylistInvalidator(sessionmaker, playlists)
        shared_pings = (
            SharedPings(
                cache.link,
                keep_seconds=settings.tv_offline_after_seconds,
                flush_seconds=settings.ping_sync_seconds,
            )
            if isinstance(cache, RedisCache)
            else None
        )
        heartbeats = (
            HeartbeatWriter(
                sessionmaker,
                flush_seconds=settings.heartbeat_flush_seconds,
                shared=shared_pings,
            )
            if tv_serving
            else None
        )
        pending: list[PendingPings] = [p for p in (heartbeats, shared_pings) if p]
        sessionmaker.hooks.append(invalidator)
        sessionmaker.hooks.append(
            SessionRevocations(cache, ttl_seconds=settings.auth_cache_seconds)
        )
        record_writes()
        pages = PageCache(
            cache,
            pubsub,
            [Watched(kind.names.code, kind.tables) for kind in KINDS],
            max_seconds=settings.list_cache_seconds,
            trust_seconds=settings.tv_content_trust_seconds,
        )
        pages.watch(sessionmaker.session_class)
        sessionmaker.hooks.append(pages)
        context = AppContext(
            settings=settings,
            engine=engine,
            sessionmaker=sessionmaker,
            cache=cache,
            storage=storage,
            pubsub=pubsub,
            playlists=playlists,
            invalidator=invalidator,
            fanout=fanout,
            limiter=limiter,
            presence=Presence(
                CombinedPings(*pending),
                offline_after_seconds=settings.tv_offline_after_seconds,
            ),
            health=DependencyProbe(engine, cache, storage),
            pages=pages,
        )
        if feeds_client:
            context.http = await stack.enter_async_context(
                feeds.create_http_client(settings)
            )
        if heartbeats is not None:
            if shared_pings is not None:
                shared_pings.start()
                stack.push_async_callback(shared_pings.stop)
                context.shared_pings = shared_pings
            # Stopped after the hub and before the engine: the last flush writes.
            heartbeats.start()
            stack.push_async_callback(heartbeats.stop)
            context.heartbeats = heartbeats
        if tv_serving:
            ping_limit = PingLimit(
                per_minute=settings.ping_max_per_code_per_minute,
                link=cache.link if isinstance(cache, RedisCache) else None,
                sync_seconds=settings.ping_sync_seconds,
            )
            ping_limit.start()
            stack.push_async_callback(ping_limit.stop)
            context.ping_limit = ping_limit
            hub = ConnectionHub(
                max_per_code=settings.ws_max_per_code,
                max_per_address=settings.ws_max_per_address,
            )
            playlists.watched.on_version_changed.append(hub.publish_version)
            stack.callback(hub.close)
            context.hub = hub
        await pubsub.start()
        if media_queue:
            queue = await stack.enter_async_context(
                run_media(settings, storage, sessionmaker, sweep=jobs)
            )
            sessionmaker.hooks.append(MediaQueueHook(queue))
            context.media_queue = queue
        if jobs:
            # Last: jobs may use everything above from their first run.
            context.scheduler = await stack.enter_async_context(
                run_scheduler(context.job_parts())
            )
        yield context
