"""Request dependencies: the parts of the application context, typed.

``lifespan`` builds one ``AppContext`` (``expotv.context``); routes ask for the part
they need by its alias (``DbSession``, ``AppSettings``, ``Storage``, ...). Every
dependency here is ``async def``: a plain ``def`` would run in the thread pool, which
costs more than what most of them do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from expotv.auth.ratelimit import LoginThrottle, RegistrationThrottle
from expotv.config import Settings
from expotv.context import AppContext, context_of, require
from expotv.db import session_scope, utcnow
from expotv.items.pages import PageCache
from expotv.playlist.service import PlaylistService
from expotv.realtime.hub import ConnectionHub
from expotv.storage.base import ObjectStorage
from expotv.tvs.heartbeat import HeartbeatWriter
from expotv.tvs.ping_limit import PingLimit
from expotv.tvs.presence import Presence


# HTTPConnection rather than Request: the WebSocket endpoint uses these too.
async def get_context(connection: HTTPConnection) -> AppContext:
    return context_of(connection.app)


AppContextDep = Annotated[AppContext, Depends(get_context)]


async def get_session(context: AppContextDep) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: commit when the route returns, roll back on
    error; then the context's hooks apply what it recorded (playlists, media)."""
    async with session_scope(context.sessionmaker) as session:
        yield session


async def get_settings(context: AppContextDep) -> Settings:
    return context.settings


async def get_storage(context: AppContextDep) -> ObjectStorage:
    return context.storage


async def get_login_throttle(context: AppContextDep) -> LoginThrottle:
    return LoginThrottle(context.limiter, context.settings)


async def get_registration_throttle(context: AppContextDep) -> RegistrationThrottle:
    return RegistrationThrottle(context.limiter, context.settings)


async def get_playlists(context: AppContextDep) -> PlaylistService:
    return context.playlists


async def get_ping_limit(context: AppContextDep) -> PingLimit:
    return require(context.ping_limit, "o limite de pings")


async def get_heartbeats(context: AppContextDep) -> HeartbeatWriter:
    return require(context.heartbeats, "o gravador de pings")


async def get_presence(context: AppContextDep) -> Presence:
    return context.presence


async def get_hub(context: AppContextDep) -> ConnectionHub:
    return require(context.hub, "o hub de WebSockets")


async def get_pages(context: AppContextDep) -> PageCache:
    return context.pages


ListPages = Annotated[PageCache, Depends(get_pages)]


async def request_time() -> datetime:
    """The request's "now", read once (statuses are computed against it)."""
    return utcnow()


RequestTime = Annotated[datetime, Depends(request_time)]


async def client_address(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown"


# scope="function": the commit lands before the response is sent (FastAPI 0.121+);
# with the default scope a failed commit would follow a "200".
DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]
Storage = Annotated[ObjectStorage, Depends(get_storage)]
Throttle = Annotated[LoginThrottle, Depends(get_login_throttle)]
SignUpThrottle = Annotated[RegistrationThrottle, Depends(get_registration_throttle)]
Playlists = Annotated[PlaylistService, Depends(get_playlists)]
Heartbeats = Annotated[HeartbeatWriter, Depends(get_heartbeats)]
PingLimitDep = Annotated[PingLimit, Depends(get_ping_limit)]
Hub = Annotated[ConnectionHub, Depends(get_hub)]
PresenceDep = Annotated[Presence, Depends(get_presence)]
ClientAddress = Annotated[str, Depends(client_address)]
