"""The routes of a kind of item, built from its ``ContentKind``:

    GET    {path}              list what the caller sees (filters, pages)
    POST   {path}              create (multipart with ``arquivo``, or JSON)
    GET    {path}/{code}_id    read one            (404 if not visible)
    PUT    {path}/{code}_id    partial change      (404, then 403 if not its own)
    DELETE {path}/{code}_id    delete it and its media

Route names (hence OpenAPI operation ids), path parameters, descriptions and
request bodies come from the kind, so ``/anuncios`` and ``/avisos`` keep the
contract they had as two hand-written routers.

No ``from __future__ import annotations`` here: FastAPI reads the endpoints'
annotations, which name this factory's local dependencies.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response, status

from expotv.auth.dependencies import CurrentUser, WriterUser
from expotv.deps import AppSettings, DbSession, ListPages, RequestTime, Storage
from expotv.items import service as items
from expotv.items.body import ItemBody, item_body
from expotv.items.dependencies import (
    Filters,
    condominium_scope,
    signer_scope,
)
from expotv.items.kind import ContentKind
from expotv.items.openapi import item_request_body
from expotv.items.schemas import WRITE_RESPONSES
from expotv.items.scope import Scope
from expotv.pagination import Page, Pagination
from expotv.schemas import RowId


def item_router(kind: ContentKind[Any, Any, Any, Any]) -> APIRouter:
    names = kind.names
    read = kind.read_schema
    router = APIRouter(prefix=names.path, tags=[names.plural])

    ItemId = Annotated[
        RowId, Path(alias=names.id_param, description=names.say("id {do} {singular}"))
    ]

    async def visible(item_id: ItemId, user: CurrentUser, session: DbSession) -> Any:
        return await items.get_visible(session, kind, item_id, user=user)

    async def editable(item_id: ItemId, user: CurrentUser, session: DbSession) -> Any:
        item = await items.get_visible(
            session, kind, item_id, user=user, for_update=True
        )
        items.ensure_can_change(kind, item, user)
        return item

    Visible = Annotated[Any, Depends(visible)]
    Editable = Annotated[Any, Depends(editable)]
    ItemScope = Annotated[
        Scope,
        Depends(signer_scope if kind.scope_has_signers else condominium_scope),
    ]

    async def write_context(
        scope: ItemScope, storage: Storage, settings: AppSettings, now: RequestTime
    ) -> items.WriteContext:
        return items.WriteContext(
            scope=scope, storage=storage, settings=settings, now=now
        )

    Context = Annotated[items.WriteContext, Depends(write_context)]
    CreateBody = Annotated[ItemBody[Any], Depends(item_body(kind.create_schema))]
    UpdateBody = Annotated[ItemBody[Any], Depends(item_body(kind.update_schema))]

    @router.get(
        "",
        response_model=Page[read],  # type: ignore[valid-type]
        name=f"list_{names.code}s",
        description=names.say("Lista {os} {plural} que o usuário pode ver, por id."),
    )
    async def list_items(
        user: CurrentUser,
        session: DbSession,
        filters: Filters,
        page: Pagination,
        now: RequestTime,
        pages: ListPages,
    ) -> Any:
        body = await items.list_page(
            session, kind, user=user, filters=filters, page=page, now=now, pages=pages
        )
        return Response(body, media_type="application/json")

    @router.post(
        "",
        response_model=read,
        status_code=status.HTTP_201_CREATED,
        responses=WRITE_RESPONSES,
        openapi_extra=item_request_body(
            kind.create_schema,
            file_required=kind.media_required,
            file_description=kind.file_description,
            description=kind.create_body_description,
        ),
        name=f"create_{names.code}",
        description=kind.create_description,
    )
    async def create_item(
        user: WriterUser, body: CreateBody, session: DbSession, context: Context
    ) -> Any:
        item = await items.create(
            session, kind, body.data, upload=body.upload, context=context
        )
        return read.present(item, scope=context.scope, now=context.now)

    @router.get(
        "/{" + names.id_param + "}",
        response_model=read,
        name=f"get_{names.code}",
        description=names.say("Mostra {um} {singular}."),
    )
    async def get_item(item: Visible, scope: ItemScope, now: RequestTime) -> Any:
        return read.present(item, scope=scope, now=now)

    @router.put(
        "/{" + names.id_param + "}",
        response_model=read,
        responses=WRITE_RESPONSES,
        openapi_extra=item_request_body(
            kind.update_schema,
            file_required=False,
            file_description=kind.replace_file_description,
            description="só os campos enviados mudam; em multipart, valor vazio "
            "limpa um campo opcional",
        ),
        name=f"update_{names.code}",
        description=names.say(
            "Altera {um} {singular} (corpo parcial); um novo `arquivo` substitui "
            "a mídia."
        ),
    )
    async def update_item(
        item: Editable, body: UpdateBody, session: DbSession, context: Context
    ) -> Any:
        item = await items.update(
            session, kind, item, body.data, upload=body.upload, context=context
        )
        return read.present(item, scope=context.scope, now=context.now)

    @router.delete(
        "/{" + names.id_param + "}",
        status_code=status.HTTP_204_NO_CONTENT,
        name=f"delete_{names.code}",
        description=names.say("Exclui {um} {singular} e a sua mídia."),
    )
    async def delete_item(item: Editable, session: DbSession, storage: Storage) -> None:
        await items.delete(session, item, storage=storage)

    return router
