"""The GraphQL object types: the REST read models (``TVRead``, ``AdRead``...) under
their contract names, camelCased, plus the relations REST spreads over calls.

Each type is built from the read model REST answers with (``of``), so a field,
its value and what the caller may see of it (``condominios_ids`` filtered by the
item's scope) are decided once, in the domain's schemas. Python attribute names
here are the contract's JSON names (``proporcao_anuncios``); Strawberry writes them
in camelCase (``proporcaoAnuncios``). Relations resolve through the request's
DataLoaders (``loaders``), so a page costs the same statements whatever its size.

Enums are the domain's own, named by their contract values (``ativo``, ``online``,
``Sindico``): a client reads and sends exactly what REST does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Generic, Self, TypeVar

import strawberry

from expotv.ads.schemas import AdRead
from expotv.condominiums.exceptions import CondominiumNotFound
from expotv.condominiums.models import Condominium
from expotv.content import ContentStatus, MediaKind
from expotv.graphql.context import GraphQLContext, Info
from expotv.items.models import ContentItem
from expotv.news.schemas import FeedRead, NewsRead
from expotv.notices.schemas import NoticeRead
from expotv.playlist.builder import ItemKind, Mode, Reason
from expotv.tvs import service as tv_service
from expotv.tvs.models import TV, TVStatus
from expotv.tvs.schemas import TVRead
from expotv.users.models import User
from expotv.users.schemas import Level, UserRead

StatusConteudo = strawberry.enum(
    ContentStatus,
    name="StatusConteudo",
    description="status como mostrado (expirado inclui os vencidos)",
    graphql_name_from="value",
)
StatusTV = strawberry.enum(TVStatus, name="StatusTV", graphql_name_from="value")
TipoMidia = strawberry.enum(MediaKind, name="TipoMidia", graphql_name_from="value")
Nivel = strawberry.enum(Level, name="Nivel", graphql_name_from="value")
TipoItem = strawberry.enum(ItemKind, name="TipoItem", graphql_name_from="value")
ModoPlaylist = strawberry.enum(Mode, name="ModoPlaylist", graphql_name_from="value")
Motivo = strawberry.enum(
    Reason,
    name="Motivo",
    description="por que um item que mira o condomínio da TV não passa",
    graphql_name_from="value",
)

T = TypeVar("T")


def _fields(read: Any, cls: type[Any]) -> dict[str, Any]:
    """``read``'s values by contract name, for the fields ``cls`` declares."""
    dumped: dict[str, Any] = read.model_dump(by_alias=True)
    names = {field.name for field in dataclasses.fields(cls)}
    values = {name: value for name, value in dumped.items() if name in names}
    if "horarios" in values:
        values["horarios"] = [HorarioNode(**window) for window in values["horarios"]]
    return values


@strawberry.type(description="Uma página de uma lista: os itens, o total e a janela.")
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


@strawberry.type(name="TV")
class TVNode:
    id: int
    codigo: str
    nome: str
    condominio_id: int
    status: TVStatus
    ultimo_ping: datetime | None
    proporcao_anuncios: int
    proporcao_avisos: int
    proporcao_noticias: int
    created_at: datetime
    updated_at: datetime
    model: strawberry.Private[TV]

    @classmethod
    def of(cls, read: TVRead, model: TV) -> Self:
        return cls(model=model, **_fields(read, cls))

    @classmethod
    async def many(cls, context: GraphQLContext, tvs: Sequence[TV]) -> list[Self]:
        """Nodes of ``tvs`` as REST reads them (status as of the request)."""
        seen = await context.loaders.pending.load_many(list(tvs))
        return [
            cls.of(
                tv_service.to_read(
                    tv,
                    now=context.now,
                    presence=context.app.presence,
                    pending={tv.id: pending} if pending else {},
                ),
                tv,
            )
            for tv, pending in zip(tvs, seen, strict=True)
        ]

    @strawberry.field(description="segundos desde o último ping (null antes do 1º)")
    def segundos_desde_ultimo_ping(self, info: Info) -> int | None:
        if self.ultimo_ping is None:
            return None
        return max(0, int((info.context.now - self.ultimo_ping).total_seconds()))

    @strawberry.field(description="o condomínio da TV")
    async def condominio(self, info: Info) -> CondominioNode:
        condominium = await info.context.loaders.condominium.load(
            self.model.condominium_id
        )
        if condominium is None:
            raise CondominiumNotFound()
        return CondominioNode.of(condominium)

    @strawberry.field(
        description="o que a TV passa agora e o que não passa (GET /tvs/{id}/"
        "playlist); ler não é um ping"
    )
    async def playlist(self, info: Info) -> PlaylistNode:
        return PlaylistNode.of(await info.context.loaders.playlist.load(self.model))


@strawberry.type(name="Condominio")
class CondominioNode:
    id: int
    nome: str
    endereco: str
    sindico_id: int | None
    created_at: datetime
    updated_at: datetime
    model: strawberry.Private[Condominium]

    @classmethod
    def of(cls, model: Condominium) -> Self:
        return cls(
            id=model.id,
            nome=model.name,
            endereco=model.address,
            sindico_id=model.manager_id,
            created_at=model.created_at,
            updated_at=model.updated_at,
            model=model,
        )

    @classmethod
    async def many(cls, context: GraphQLContext, ids: Iterable[int]) -> list[Self]:
        """The nodes of the condomínios among ``ids`` the caller may see."""
        found = await context.loaders.condominium.load_many(list(ids))
        return [cls.of(c) for c in found if c is not None]

    @strawberry.field(description="fuso horário IANA em que as janelas são lidas")
    def fuso_horario(self, info: Info) -> str:
        return self.model.timezone or info.context.settings.timezone

    @strawberry.field(description="as TVs do condomínio")
    async def tvs(self, info: Info) -> list[TVNode]:
        return await TVNode.many(info.context, self.model.tvs)


@strawberry.type(name="Horario", description="janela semanal (dias ISO, 1 = segunda)")
class HorarioNode:
    dias: list[int]
    inicio: str
    fim: str


@strawberry.type
class ItemNode:
    """What anúncios and avisos share (``ItemRead``)."""

    id: int
    nome: str
    condominios_ids: list[int]
    status: ContentStatus
    data_expiracao: datetime | None
    archive_url: str | None
    tipo_midia: MediaKind | None
    thumbnail_url: str | None
    erro_midia: str | None
    duracao: int
    criado_por_id: int | None
    data_inicio: datetime | None
    horarios: list[HorarioNode]
    tvs_ids: list[int]
    created_at: datetime
    updated_at: datetime
    model: strawberry.Private[ContentItem]

    @strawberry.field(description="os condomínios visíveis entre os alvos do item")
    async def condominios(self, info: Info) -> list[CondominioNode]:
        # ``condominios_ids`` already holds only the ones the caller may see.
        return await CondominioNode.many(info.context, self.condominios_ids)


@strawberry.type(name="Anuncio")
class AnuncioNode(ItemNode):
    numero_anunciante: str
    nome_anunciante: str

    @classmethod
    def of(cls, read: AdRead, model: ContentItem) -> Self:
        return cls(model=model, **_fields(read, cls))


@strawberry.type(name="Aviso")
class AvisoNode(ItemNode):
    mensagem: str
    sindico_ids: list[int]
    emergencia: bool

    @classmethod
    def of(cls, read: NoticeRead, model: ContentItem) -> Self:
        return cls(model=model, **_fields(read, cls))


@strawberry.type(name="Noticia")
class NoticiaNode:
    id: int
    titulo: str
    resumo: str
    imagem_url: str | None
    fonte: str
    link: str | None
    status: ContentStatus
    publicado_em: datetime | None
    data_expiracao: datetime | None
    duracao: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, read: NewsRead) -> Self:
        return cls(**_fields(read, cls))


@strawberry.type(name="FonteNoticia")
class FonteNode:
    id: int
    nome: str
    url: str
    ativo: bool
    ultima_coleta: datetime | None
    ultimo_erro: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, read: FeedRead) -> Self:
        return cls(**_fields(read, cls))


@strawberry.type(name="Usuario")
class UsuarioNode:
    id: int
    nome: str
    email: str
    nivel: Level
    ativo: bool
    limite_anuncios: int
    limite_avisos: int
    limite_condominios: int
    condominios_ids: list[int]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, read: UserRead) -> Self:
        return cls(**_fields(read, cls))

    @classmethod
    async def many(cls, context: GraphQLContext, users: Sequence[User]) -> list[Self]:
        ids = await context.loaders.condominium_ids.load_many(list(users))
        return [
            cls.of(UserRead.build(user, user_ids))
            for user, user_ids in zip(users, ids, strict=True)
        ]


@strawberry.type(name="ItemPlaylist", description="um item como a TV o recebe")
class ItemPlaylistNode:
    tipo: ItemKind
    id: int
    titulo: str
    archive_url: str | None
    tipo_midia: MediaKind | None
    duracao: int
    thumbnail_url: str | None
    mensagem: str | None
    resumo: str | None
    fonte: str | None
    publicado_em: datetime | None

    @classmethod
    def of(cls, payload: dict[str, Any]) -> Self:
        values: dict[str, Any] = {
            field.name: payload.get(field.name) for field in dataclasses.fields(cls)
        }
        values["tipo"] = ItemKind(payload["tipo"])
        if payload.get("tipo_midia"):
            values["tipo_midia"] = MediaKind(payload["tipo_midia"])
        if payload.get("publicado_em"):
            values["publicado_em"] = datetime.fromisoformat(payload["publicado_em"])
        return cls(**values)


@strawberry.type(
    name="ItemFora", description="um item que mira o condomínio mas não passa"
)
class ItemForaNode:
    tipo: ItemKind
    id: int
    titulo: str
    motivo: Reason

    @classmethod
    def of(cls, payload: dict[str, Any]) -> Self:
        return cls(
            tipo=ItemKind(payload["tipo"]),
            id=payload["id"],
            titulo=payload["titulo"],
            motivo=Reason(payload["motivo"]),
        )


@strawberry.type(
    name="Playlist",
    description="o que a TV passa agora (GET /tvs/{id}/playlist): o corpo de "
    "/app/tv/{codigo}/content e, em fora, o que não passa e por quê",
)
class PlaylistNode:
    versao: str
    modo: Mode
    gerado_em: datetime
    valido_ate: datetime | None
    itens: list[ItemPlaylistNode]
    fora: list[ItemForaNode]

    @classmethod
    def of(cls, body: dict[str, Any]) -> Self:
        """From the body ``GET /tvs/{id}/playlist`` answers with."""
        valid_until = body["valido_ate"]
        return cls(
            versao=body["versao"],
            modo=Mode(body["modo"]),
            gerado_em=datetime.fromisoformat(body["gerado_em"]),
            valido_ate=datetime.fromisoformat(valid_until) if valid_until else None,
            itens=[ItemPlaylistNode.of(item) for item in body["itens"]],
            fora=[ItemForaNode.of(item) for item in body["fora"]],
        )
