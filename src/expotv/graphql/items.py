"""Anúncios and avisos in GraphQL: one resolver path, parameterised by the kind.

    ItemApi          a ``ContentKind`` with its node and inputs (``ADS``, ``NOTICES``)
    item_queries     its list (``anuncios``) and one-by-id (``anuncio``) fields
    item_mutations   its criar/alterar/excluir fields

Every resolver calls the service REST calls, with the REST body models
(``AdCreate``, ``NoticeUpdate``...): a value REST refuses with 422 is refused here
the same way, in REST's order (visibility 404, then level 403, then the body).
Files come through the GraphQL multipart request spec (``arquivo: Upload``), under
REST's size and kind limits. Fields left out of an ``alterar`` input stay as they
are; ``null`` clears an optional one (``arquivo: null`` removes an aviso's media),
as in REST's partial ``PUT``. A third kind is one more ``ItemApi`` and its fields
in ``Query`` and ``Mutation``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import strawberry
from fastapi import UploadFile
from starlette.datastructures import UploadFile as StarletteUploadFile
from strawberry.file_uploads import Upload
from strawberry.types.field import StrawberryField

from expotv.ads.kind import AD
from expotv.auth.policy import ensure_can_write
from expotv.content import ContentStatus
from expotv.graphql import arguments
from expotv.graphql.context import Info
from expotv.graphql.types import AnuncioNode, AvisoNode, ItemNode, Page
from expotv.items import service as item_service
from expotv.items.body import FILE_FIELD
from expotv.items.exceptions import FileExpected
from expotv.items.kind import ContentKind
from expotv.items.models import ContentItem
from expotv.items.repository import ItemFilters
from expotv.notices.kind import NOTICE

UNSET: Any = strawberry.UNSET


@strawberry.input(name="HorarioEntrada", description="janela semanal")
class HorarioEntrada:
    dias: list[int]
    inicio: str
    fim: str


# Each kind's ``...Novo`` input is its ``...Alteracao`` with the required fields
# made so (a redeclared field keeps its place in the schema).


@strawberry.input(name="AnuncioAlteracao", description="só os campos enviados mudam")
class AnuncioAlteracao:
    nome: str | None = UNSET
    condominios_ids: list[int] | None = UNSET
    status: ContentStatus | None = UNSET
    data_expiracao: datetime | None = UNSET
    duracao: int | None = UNSET
    numero_anunciante: str | None = UNSET
    nome_anunciante: str | None = UNSET
    data_inicio: datetime | None = UNSET
    horarios: list[HorarioEntrada] | None = UNSET
    tvs_ids: list[int] | None = UNSET


@strawberry.input(name="AnuncioNovo")
class AnuncioNovo(AnuncioAlteracao):
    nome: str
    condominios_ids: list[int]


@strawberry.input(name="AvisoAlteracao", description="só os campos enviados mudam")
class AvisoAlteracao:
    nome: str | None = UNSET
    condominios_ids: list[int] | None = UNSET
    mensagem: str | None = UNSET
    status: ContentStatus | None = UNSET
    data_expiracao: datetime | None = UNSET
    duracao: int | None = UNSET
    sindico_ids: list[int] | None = UNSET
    data_inicio: datetime | None = UNSET
    horarios: list[HorarioEntrada] | None = UNSET
    tvs_ids: list[int] | None = UNSET
    emergencia: bool | None = UNSET


@strawberry.input(name="AvisoNovo")
class AvisoNovo(AvisoAlteracao):
    nome: str
    condominios_ids: list[int]
    mensagem: str


@dataclass(frozen=True, slots=True)
class ItemApi:
    """A content kind as GraphQL shows it."""

    kind: ContentKind[Any, Any, Any, Any]
    node: type[ItemNode]
    new_input: type[Any]
    change_input: type[Any]

    def say(self, template: str) -> str:
        return self.kind.names.say(template)

    async def present(self, info: Info, item: ContentItem) -> Any:
        """``item`` as its node, with what the caller may see of its targets."""
        context = info.context
        scope = await context.scope(with_signers=self.kind.scope_has_signers)
        read = self.kind.read_schema.present(item, scope=scope, now=context.now)
        return self.node.of(read, item)  # type: ignore[attr-defined]


ADS = ItemApi(AD, AnuncioNode, AnuncioNovo, AnuncioAlteracao)
NOTICES = ItemApi(NOTICE, AvisoNode, AvisoNovo, AvisoAlteracao)


def _typed(resolver: Any, **annotations: Any) -> Any:
    """``resolver`` with the kind's types in place of its generic annotations."""
    resolver.__annotations__.update(annotations)
    return resolver


def item_queries(api: ItemApi) -> tuple[StrawberryField, StrawberryField]:
    """The kind's list and one-by-id query fields."""
    kind = api.kind

    async def listed(
        info: Info,
        condominio_id: int | None = None,
        status: ContentStatus | None = None,
        q: str | None = None,
        limit: int = arguments.DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Any:
        context = info.context
        filters = ItemFilters(
            condominium_id=arguments.row_id(condominio_id, "condominioId"),
            status=status,
            query=arguments.text(q, "q"),
        )
        result = await arguments.fetch_page(
            info,
            arguments.page_params(limit, offset),
            lambda session, params: item_service.list_visible(
                session,
                kind,
                user=context.user,
                filters=filters,
                page=params,
                now=context.now,
            ),
        )
        nodes = [await api.present(info, item) for item in result.items]
        return arguments.page_of(result, nodes)

    async def one(info: Info, id: int) -> Any:
        async with info.context.database() as session:
            item = await item_service.get_visible(
                session, kind, id, user=info.context.user
            )
        return await api.present(info, item)

    return (
        strawberry.field(
            resolver=_typed(listed, **{"return": Page[api.node]}),  # type: ignore[name-defined]
            description=api.say("{Os} {plural} que o usuário pode ver."),
        ),
        strawberry.field(
            resolver=_typed(one, **{"return": api.node | None}),
            description=api.say("{Um} {singular}."),
        ),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, ContentStatus):
        return value.value
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _sent(value)
    return value


def _sent(data: Any) -> dict[str, Any]:
    """The input's fields the client sent, by contract name (REST's JSON body)."""
    return {
        field.name: _plain(getattr(data, field.name))
        for field in dataclasses.fields(data)
        if getattr(data, field.name) is not UNSET
    }


def _upload(arquivo: Any) -> UploadFile | None:
    if arquivo is None or arquivo is UNSET:
        return None
    if not isinstance(arquivo, StarletteUploadFile):
        # A variable of type Upload given a plain value instead of a file part.
        raise FileExpected(FILE_FIELD)
    return UploadFile(
        arquivo.file,
        size=arquivo.size,
        filename=arquivo.filename,
        headers=arquivo.headers,
    )


async def _write_context(
    info: Info, kind: ContentKind[Any, Any, Any, Any]
) -> item_service.WriteContext:
    context = info.context
    return item_service.WriteContext(
        scope=await context.scope(with_signers=kind.scope_has_signers),
        storage=context.app.storage,
        settings=context.settings,
        now=context.now,
    )


async def _editable(
    info: Info, kind: ContentKind[Any, Any, Any, Any], item_id: int
) -> Any:
    context = info.context
    async with context.database() as session:
        item = await item_service.get_visible(
            session, kind, item_id, user=context.user, for_update=True
        )
    item_service.ensure_can_change(kind, item, context.user)
    return item


def item_mutations(
    api: ItemApi,
) -> tuple[Any, Any, Any]:
    """The kind's criar, alterar and excluir mutation fields."""
    kind = api.kind

    async def create(info: Info, dados: Any, arquivo: Upload | None = None) -> Any:
        # REST refuses the level before it reads the (possibly large) body.
        ensure_can_write(info.context.user)
        body = kind.create_schema.model_validate(_sent(dados))
        write = await _write_context(info, kind)
        async with info.context.database() as session:
            item = await item_service.create(
                session, kind, body, upload=_upload(arquivo), context=write
            )
        return await api.present(info, item)

    async def update(
        info: Info, id: int, dados: Any, arquivo: Upload | None = UNSET
    ) -> Any:
        item = await _editable(info, kind, id)
        values = _sent(dados)
        if arquivo is None:
            # An explicit null: REST's ``"arquivo": null`` (removes an aviso's media).
            values[FILE_FIELD] = None
        changes = kind.update_schema.model_validate(values)
        write = await _write_context(info, kind)
        async with info.context.database() as session:
            item = await item_service.update(
                session, kind, item, changes, upload=_upload(arquivo), context=write
            )
        return await api.present(info, item)

    async def delete(info: Info, id: int) -> bool | None:
        item = await _editable(info, kind, id)
        async with info.context.database() as session:
            await item_service.delete(session, item, storage=info.context.app.storage)
        return True

    if kind.media_required:
        create_text = "Cria {um} {singular} com a mídia em `arquivo`."
        update_text = "Altera {um} {singular}; um novo `arquivo` substitui a mídia."
    else:
        create_text = "Cria {um} {singular}, com mídia opcional em `arquivo`."
        update_text = (
            "Altera {um} {singular}; um novo `arquivo` substitui a mídia e "
            "`arquivo: null` a remove."
        )
    returned = api.node | None
    return (
        strawberry.mutation(
            resolver=_typed(create, dados=api.new_input, **{"return": returned}),
            description=api.say(create_text),
        ),
        strawberry.mutation(
            resolver=_typed(update, dados=api.change_input, **{"return": returned}),
            description=api.say(update_text),
        ),
        strawberry.mutation(
            resolver=delete,
            description=api.say("Exclui {um} {singular} e a sua mídia."),
        ),
    )
