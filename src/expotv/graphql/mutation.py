"""The root mutation: what a síndico does every day, through the REST services.

    criarAnuncio / alterarAnuncio / excluirAnuncio    POST/PUT/DELETE /anuncios
    criarAviso / alterarAviso / excluirAviso          POST/PUT/DELETE /avisos
    definirProporcao                                  PUT /tvs/{id}/proporcao

Inputs are validated by the REST body models (``AdCreate``, ``NoticeUpdate``...),
so a value REST refuses with 422 is refused here the same way; the checks run in
REST's order (visibility 404, then level 403, then the body). Files come through
the GraphQL multipart request spec (``arquivo: Upload``), under the same size and
kind limits as REST's ``arquivo``. Fields left out of an ``alterar`` input stay as
they are; ``null`` clears an optional one (``arquivo: null`` removes an aviso's
media), as in REST's partial ``PUT``.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import strawberry
from fastapi import UploadFile
from starlette.datastructures import UploadFile as StarletteUploadFile
from strawberry.file_uploads import Upload

from expotv.auth.policy import ensure_can_write
from expotv.content import ContentStatus
from expotv.graphql.context import Info
from expotv.graphql.types import AnuncioNode, AvisoNode, TVNode
from expotv.items import service as item_service
from expotv.items.body import FILE_FIELD
from expotv.items.exceptions import FileExpected
from expotv.items.kind import ContentKind
from expotv.items.kinds import KINDS
from expotv.tvs import service as tv_service
from expotv.tvs.schemas import TVRatiosUpdate

AD_KIND, NOTICE_KIND = KINDS
UNSET: Any = strawberry.UNSET


@strawberry.input(name="HorarioEntrada", description="janela semanal")
class HorarioEntrada:
    dias: list[int]
    inicio: str
    fim: str


@strawberry.input(name="AnuncioNovo")
class AnuncioNovo:
    nome: str
    condominios_ids: list[int]
    status: ContentStatus | None = UNSET
    data_expiracao: datetime | None = UNSET
    duracao: int | None = UNSET
    numero_anunciante: str | None = UNSET
    nome_anunciante: str | None = UNSET
    data_inicio: datetime | None = UNSET
    horarios: list[HorarioEntrada] | None = UNSET
    tvs_ids: list[int] | None = UNSET


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


@strawberry.input(name="AvisoNovo")
class AvisoNovo:
    nome: str
    condominios_ids: list[int]
    mensagem: str
    status: ContentStatus | None = UNSET
    data_expiracao: datetime | None = UNSET
    duracao: int | None = UNSET
    sindico_ids: list[int] | None = UNSET
    data_inicio: datetime | None = UNSET
    horarios: list[HorarioEntrada] | None = UNSET
    tvs_ids: list[int] | None = UNSET
    emergencia: bool | None = UNSET


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


async def _create(
    info: Info,
    kind: ContentKind[Any, Any, Any, Any],
    node: Any,
    data: Any,
    arquivo: Any,
) -> Any:
    # REST refuses the level before it reads the (possibly large) body.
    ensure_can_write(info.context.user)
    body = kind.create_schema.model_validate(_sent(data))
    write = await _write_context(info, kind)
    async with info.context.database() as session:
        item = await item_service.create(
            session, kind, body, upload=_upload(arquivo), context=write
        )
    return node.of(
        kind.read_schema.present(item, scope=write.scope, now=write.now), item
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


async def _update(
    info: Info,
    kind: ContentKind[Any, Any, Any, Any],
    node: Any,
    item_id: int,
    data: Any,
    arquivo: Any,
) -> Any:
    item = await _editable(info, kind, item_id)
    values = _sent(data)
    if arquivo is None:
        # An explicit null: REST's ``"arquivo": null`` (removes an aviso's media).
        values[FILE_FIELD] = None
    changes = kind.update_schema.model_validate(values)
    write = await _write_context(info, kind)
    async with info.context.database() as session:
        item = await item_service.update(
            session, kind, item, changes, upload=_upload(arquivo), context=write
        )
    return node.of(
        kind.read_schema.present(item, scope=write.scope, now=write.now), item
    )


async def _delete(
    info: Info, kind: ContentKind[Any, Any, Any, Any], item_id: int
) -> bool:
    item = await _editable(info, kind, item_id)
    async with info.context.database() as session:
        await item_service.delete(session, item, storage=info.context.app.storage)
    return True


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Cria um anúncio com a mídia em `arquivo`.")
    async def criar_anuncio(
        self, info: Info, dados: AnuncioNovo, arquivo: Upload | None = None
    ) -> AnuncioNode | None:
        node: AnuncioNode = await _create(info, AD_KIND, AnuncioNode, dados, arquivo)
        return node

    @strawberry.mutation(
        description="Altera um anúncio; um novo `arquivo` substitui a mídia."
    )
    async def alterar_anuncio(
        self,
        info: Info,
        id: int,
        dados: AnuncioAlteracao,
        arquivo: Upload | None = UNSET,
    ) -> AnuncioNode | None:
        node: AnuncioNode = await _update(
            info, AD_KIND, AnuncioNode, id, dados, arquivo
        )
        return node

    @strawberry.mutation(description="Exclui um anúncio e a sua mídia.")
    async def excluir_anuncio(self, info: Info, id: int) -> bool | None:
        return await _delete(info, AD_KIND, id)

    @strawberry.mutation(description="Cria um aviso, com mídia opcional em `arquivo`.")
    async def criar_aviso(
        self, info: Info, dados: AvisoNovo, arquivo: Upload | None = None
    ) -> AvisoNode | None:
        node: AvisoNode = await _create(info, NOTICE_KIND, AvisoNode, dados, arquivo)
        return node

    @strawberry.mutation(
        description="Altera um aviso; um novo `arquivo` substitui a mídia e "
        "`arquivo: null` a remove."
    )
    async def alterar_aviso(
        self,
        info: Info,
        id: int,
        dados: AvisoAlteracao,
        arquivo: Upload | None = UNSET,
    ) -> AvisoNode | None:
        node: AvisoNode = await _update(
            info, NOTICE_KIND, AvisoNode, id, dados, arquivo
        )
        return node

    @strawberry.mutation(description="Exclui um aviso e a sua mídia.")
    async def excluir_aviso(self, info: Info, id: int) -> bool | None:
        return await _delete(info, NOTICE_KIND, id)

    @strawberry.mutation(
        description="Define quantos anúncios, avisos e notícias a TV exibe por ciclo "
        "(os omitidos ficam como estão)."
    )
    async def definir_proporcao(
        self,
        info: Info,
        id: int,
        proporcao_anuncios: int | None = UNSET,
        proporcao_avisos: int | None = UNSET,
        proporcao_noticias: int | None = UNSET,
    ) -> TVNode | None:
        context = info.context
        async with context.database() as session:
            tv = await tv_service.get_visible(session, id, user=context.user)
        sent = {
            name: value
            for name, value in (
                ("proporcao_anuncios", proporcao_anuncios),
                ("proporcao_avisos", proporcao_avisos),
                ("proporcao_noticias", proporcao_noticias),
            )
            if value is not UNSET
        }
        changes = TVRatiosUpdate.model_validate(sent)
        async with context.database() as session:
            tv = await tv_service.set_ratios(session, tv, changes, user=context.user)
        (node,) = await TVNode.many(context, [tv])
        return node
