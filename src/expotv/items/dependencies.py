"""Request-level pieces of the item routes: the clock, list filters, the scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from expotv.auth.dependencies import CurrentUser
from expotv.content import ContentStatus
from expotv.deps import DbSession
from expotv.items.repository import ItemFilters
from expotv.items.scope import Scope, load_scope
from expotv.schemas import RowId


async def item_filters(
    condominium_id: Annotated[
        RowId | None,
        Query(alias="condominio_id", description="só os que passam neste"),
    ] = None,
    status: Annotated[
        ContentStatus | None,
        Query(description="status como mostrado (expirado inclui os vencidos)"),
    ] = None,
    query: Annotated[
        str | None, Query(alias="q", max_length=200, description="trecho do nome")
    ] = None,
) -> ItemFilters:
    return ItemFilters(condominium_id=condominium_id, status=status, query=query)


Filters = Annotated[ItemFilters, Depends(item_filters)]


async def condominium_scope(user: CurrentUser, session: DbSession) -> Scope:
    return await load_scope(session, user)


async def signer_scope(user: CurrentUser, session: DbSession) -> Scope:
    """The scope of a kind whose responses name síndicos (``sindico_ids``)."""
    return await load_scope(session, user, with_signers=True)
