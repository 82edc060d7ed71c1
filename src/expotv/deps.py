"""Request-scoped access to what ``lifespan`` built (settings, storage, cache)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from expotv.cache import Cache
from expotv.config import Settings
from expotv.storage.base import ObjectStorage


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_storage(request: Request) -> ObjectStorage:
    storage: ObjectStorage = request.app.state.storage
    return storage


def get_cache(request: Request) -> Cache:
    cache: Cache = request.app.state.cache
    return cache


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


AppSettings = Annotated[Settings, Depends(get_settings)]
Storage = Annotated[ObjectStorage, Depends(get_storage)]
CacheDep = Annotated[Cache, Depends(get_cache)]
ClientAddress = Annotated[str, Depends(client_address)]
