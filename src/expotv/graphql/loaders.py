"""One request's DataLoaders: every relation of a page is one batch.

    condominium     id -> the condomínio (with its TVs), if the caller may read it
                    (``condominiums.repository.visible_to``: one query + its TVs)
    pending         TV -> its ping not written yet (``Presence.pending``: one call)
    playlist        TV -> its content body and ``fora`` (``graphql.playlists``:
                    the same statements for any number of TVs)
    condominium_ids user -> its ``condominios_ids`` (``users.service``: two queries)

Whatever the size of a page, each relation costs the same statements, and every
loader applies the visibility REST applies to the same object.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from expotv.condominiums import repository as condominium_repo
from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.context import AppContext
from expotv.graphql.playlists import playlist_views
from expotv.tvs.models import TV
from expotv.users import service as user_service
from expotv.users.models import User


class LoaderContext(Protocol):
    """What the loaders read from a request's GraphQL context (a Protocol, so this
    module does not import the context that builds it)."""

    app: AppContext
    settings: Settings
    now: datetime

    @property
    def user(self) -> User: ...

    def database(self) -> AbstractAsyncContextManager[AsyncSession]: ...


class Loaders:
    def __init__(self, context: LoaderContext) -> None:
        self._context = context
        self.condominium: DataLoader[int, Condominium | None] = DataLoader(
            self._condominiums
        )
        self.pending: DataLoader[TV, datetime | None] = DataLoader(self._pending)
        self.playlist: DataLoader[TV, dict[str, Any]] = DataLoader(self._playlists)
        self.condominium_ids: DataLoader[User, list[int]] = DataLoader(
            self._condominium_ids
        )

    async def _condominiums(self, ids: list[int]) -> list[Condominium | None]:
        context = self._context
        query = condominium_repo.visible_to(context.user).where(
            Condominium.id.in_(sorted(set(ids)))
        )
        async with context.database() as session:
            found = {c.id: c for c in await session.scalars(query)}
        return [found.get(condominium_id) for condominium_id in ids]

    async def _pending(self, tvs: list[TV]) -> list[datetime | None]:
        pending = await self._context.app.presence.pending(tvs)
        return [pending.get(tv.id) for tv in tvs]

    async def _playlists(self, tvs: list[TV]) -> list[dict[str, Any]]:
        context = self._context
        condominiums = {
            c.id: c
            for c in await self.condominium.load_many(
                sorted({tv.condominium_id for tv in tvs})
            )
            if c is not None
        }
        async with context.database() as session:
            bodies = await playlist_views(
                session, tvs, condominiums, now=context.now, settings=context.settings
            )
        return [bodies[tv.id] for tv in tvs]

    async def _condominium_ids(self, users: list[User]) -> list[list[int]]:
        async with self._context.database() as session:
            ids = await user_service.condominium_ids(session, users)
        return [ids[user.id] for user in users]
