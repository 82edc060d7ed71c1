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

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from expotv.condominiums import repository as condominium_repo
from expotv.condominiums.exceptions import CondominiumNotFound
from expotv.condominiums.models import Condominium
from expotv.graphql.playlists import playlist_views
from expotv.graphql.types import (
    CondominioNode,
    ItemForaNode,
    ItemPlaylistNode,
    PlaylistNode,
    TVNode,
    UsuarioNode,
)
from expotv.playlist.builder import Mode
from expotv.tvs import service as tv_service
from expotv.tvs.models import TV
from expotv.users import service as user_service
from expotv.users.models import User
from expotv.users.schemas import UserRead

if TYPE_CHECKING:
    from expotv.graphql.context import GraphQLContext


class Loaders:
    def __init__(self, context: GraphQLContext) -> None:
        self._context = context
        self.condominium: DataLoader[int, Condominium | None] = DataLoader(
            self._condominiums
        )
        self.pending: DataLoader[TV, datetime | None] = DataLoader(self._pending)
        self.playlist: DataLoader[TV, PlaylistNode] = DataLoader(self._playlists)
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

    async def _playlists(self, tvs: list[TV]) -> list[PlaylistNode]:
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
        return [_playlist(bodies[tv.id]) for tv in tvs]

    async def _condominium_ids(self, users: list[User]) -> list[list[int]]:
        async with self._context.database() as session:
            ids = await user_service.condominium_ids(session, users)
        return [ids[user.id] for user in users]

    # What resolvers ask for: nodes, built from what REST answers with. ------

    async def tv_nodes(self, tvs: Sequence[TV]) -> list[TVNode]:
        context = self._context
        seen = await self.pending.load_many(list(tvs))
        nodes = []
        for tv, pending in zip(tvs, seen, strict=True):
            read = tv_service.to_read(
                tv,
                now=context.now,
                presence=context.app.presence,
                pending={tv.id: pending} if pending else {},
            )
            nodes.append(TVNode.of(read, tv))
        return nodes

    async def condominium_node(self, condominium_id: int) -> CondominioNode:
        condominium = await self.condominium.load(condominium_id)
        if condominium is None:
            raise CondominiumNotFound()
        return CondominioNode.of(condominium)

    async def condominium_nodes(self, ids: Iterable[int]) -> list[CondominioNode]:
        found = await self.condominium.load_many(list(ids))
        return [CondominioNode.of(c) for c in found if c is not None]

    async def user_nodes(self, users: Sequence[User]) -> list[UsuarioNode]:
        ids = await self.condominium_ids.load_many(list(users))
        return [
            UsuarioNode.of(UserRead.build(user, user_ids))
            for user, user_ids in zip(users, ids, strict=True)
        ]


def _playlist(body: dict[str, Any]) -> PlaylistNode:
    valid_until = body["valido_ate"]
    return PlaylistNode(
        versao=body["versao"],
        modo=Mode(body["modo"]),
        gerado_em=datetime.fromisoformat(body["gerado_em"]),
        valido_ate=datetime.fromisoformat(valid_until) if valid_until else None,
        itens=[ItemPlaylistNode.of(item) for item in body["itens"]],
        fora=[ItemForaNode.of(item) for item in body["fora"]],
    )
