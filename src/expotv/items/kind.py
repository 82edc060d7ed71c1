"""A kind of content item: the one object that says how it differs from the others.

The generic stack takes a ``ContentKind`` and does everything the kinds share:
``items.repository`` (visibility, filters, quota count), ``items.service``
(create, change, delete: targets, quota, media, expiry, status, invalidation)
and ``items.router`` (the five routes, their dependencies and OpenAPI). A kind
adds only its own fields and rules, through the hooks below.

Adding a third kind is a small, local change (a new package, nothing else edited
but the registry and a migration):

    <kind>/models.py    class X(ContentItem, Base): __tablename__, its own columns
    <kind>/schemas.py   XCreate(ItemCreate), XUpdate(ItemUpdate), XRead(ItemRead):
                        its own fields
    <kind>/kind.py      class XKind(ContentKind[X, XCreate, XUpdate, XRead]):
                        its names, quota and the hooks it needs; X_KIND = XKind()
    items/kinds.py      add X_KIND to KINDS: routes, expiry job, media conversion
                        and condomínio clean-up pick it up
    migrations/         a revision creating its tables: the mixin's columns plus
                        its own, and ``{table}_condominium`` (the initial
                        revision's ``_content_item_table`` and
                        ``_association_table`` show the shape)
    playlist/builder.py a category and its place in the cycle, if TVs play it

A field every kind gains (the scheduling issue's ``data_inicio``, ``horarios``,
``tvs_ids``) is written once: a column (or ``{table}_tv``, built beside
``{table}_condominium`` in ``ContentItem.__init_subclass__``) in ``items.models``,
the field in ``ItemCreate``/``ItemUpdate``/``ItemRead`` (an id list also in
``ItemRead.SCOPED``), its rule in ``items.service``'s shared create/update, and one
migration for every kind's table. A field of one kind (avisos' ``emergencia``)
goes in that kind's model and schemas and its ``fill``/``apply`` hooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar, get_args, get_origin

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from expotv.content import MediaKind
from expotv.items.models import ContentItem
from expotv.items.schemas import ItemCreate, ItemRead, ItemUpdate
from expotv.items.scope import Scope
from expotv.media.service import StoredMedia
from expotv.pagination import Page
from expotv.users.models import User

ItemT = TypeVar("ItemT", bound=ContentItem)
CreateT = TypeVar("CreateT", bound=ItemCreate)
UpdateT = TypeVar("UpdateT", bound=ItemUpdate)
ReadT = TypeVar("ReadT", bound=ItemRead)

_MEDIA = "imagem (PNG, JPEG, WebP, GIF) ou vídeo (MP4, MOV, WebM, MKV, AVI)"


@dataclass(frozen=True, slots=True)
class KindNames:
    """How a kind is called: ``code`` in code (English), the rest for people.

    ``code`` makes the error codes (``ad_not_found``), the path id (``ad_id``) and
    the operation ids (``list_ads``); ``plural`` is also the OpenAPI tag.
    """

    code: str
    path: str
    singular: str
    plural: str
    feminine: bool = False

    @property
    def id_param(self) -> str:
        return f"{self.code}_id"

    def say(self, template: str, **values: object) -> str:
        """``template`` in this kind's words: ``{singular}``, ``{plural}`` and the
        words that agree with it, written masculine (``{o}``, ``{os}``, ``{um}``,
        ``{do}``; ``{Os}``, ``{Um}`` to open a sentence): "Mostra {um} {singular}."
        -> "Mostra um anúncio."."""
        gender = _FEMININE if self.feminine else _MASCULINE
        return template.format(
            singular=self.singular, plural=self.plural, **gender, **values
        )


_MASCULINE = {"o": "o", "os": "os", "um": "um", "do": "do", "Os": "Os", "Um": "Um"}
_FEMININE = {"o": "a", "os": "as", "um": "uma", "do": "da", "Os": "As", "Um": "Uma"}


class ContentKind(Generic[ItemT, CreateT, UpdateT, ReadT]):
    """Subclass once per kind; the defaults fit a kind with nothing of its own."""

    names: KindNames
    # Read from the class's parameters: ``class AdKind(ContentKind[Ad, ...])``.
    model: type[ItemT]
    create_schema: type[CreateT]
    update_schema: type[UpdateT]
    read_schema: type[ReadT]
    # A create without ``arquivo`` is a 422 (and media can not be removed).
    media_required: bool = False
    # Relations loaded with the item besides its condomínios.
    loads: tuple[InstrumentedAttribute[Any], ...] = ()
    # Responses show the síndicos the caller may see (``sindico_ids``).
    scope_has_signers: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is ContentKind:
                types = get_args(base)
                cls.model, cls.create_schema, cls.update_schema, cls.read_schema = types

    @cached_property
    def page_adapter(self) -> TypeAdapter[Page[Any]]:
        """Encodes a list page (``Page[read_schema]``) as the route answers it."""
        return TypeAdapter(Page[self.read_schema])  # type: ignore[name-defined]

    @property
    def tables(self) -> frozenset[str]:
        """The tables an item of this kind is read from: a write to any of them
        may change its list pages (``items.pages``)."""
        model = self.model
        linked = (getattr(r.property, "secondary", None) for r in self.loads)
        return frozenset(
            {
                model.__tablename__,
                model.condominium_link.name,
                model.tv_link.name,
                *(table.name for table in linked if table is not None),
            }
        )

    def limit_of(self, user: User) -> int:
        """The Síndico's quota of live items of this kind."""
        raise NotImplementedError

    def default_duration(self, stored: StoredMedia | None) -> int:
        """Seconds on screen when the create did not say."""
        raise NotImplementedError

    async def fill(
        self, session: AsyncSession, item: ItemT, data: CreateT, *, scope: Scope
    ) -> None:
        """Set the kind's own fields on a new item, or refuse them (4xx).

        Runs after the targets were checked and before the quota and the upload,
        so a refusal stores nothing.
        """

    async def apply(
        self, session: AsyncSession, item: ItemT, changes: UpdateT, *, scope: Scope
    ) -> None:
        """Change the kind's own fields that ``changes`` sent (same moment)."""

    def removes_media(self, changes: UpdateT) -> bool:
        """The update asks to drop the item's media (without sending a new one)."""
        return False

    def duration_for_new_media(
        self, item: ItemT, stored: StoredMedia, *, previous: MediaKind | None
    ) -> int | None:
        """The duration a replaced medium brings, when ``duracao`` was not sent."""
        return None

    # OpenAPI texts, derived from the names and the media rule.
    @property
    def file_description(self) -> str:
        return _MEDIA if self.media_required else f"mídia opcional: {_MEDIA}"

    @property
    def create_description(self) -> str:
        if self.media_required:
            return self.names.say(
                "Cria {um} {singular} com a mídia enviada em `arquivo`."
            )
        return self.names.say("Cria {um} {singular}, com mídia opcional em `arquivo`.")

    @property
    def create_body_description(self) -> str:
        if self.media_required:
            return (
                "multipart/form-data com `arquivo` (obrigatório; JSON sem arquivo "
                "é 422)"
            )
        return "multipart/form-data (com `arquivo` opcional) ou JSON"

    @property
    def replace_file_description(self) -> str:
        return f"nova mídia, que substitui a atual: {_MEDIA}"
