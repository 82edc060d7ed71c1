"""The columns and relations every kind of content item has, declared once.

    ContentItem (mixin)   id, name, status, requested_status, expires_at,
                          duration_seconds, media columns, created_by_id,
                          created_at/updated_at; ``condominiums`` through the
                          kind's own ``{table}_condominium``; the
                          ``ix_{table}_status_expires_at`` index; the schedule:
                          ``starts_at`` (data_inicio), ``windows`` (horarios, JSON
                          text) and ``tvs`` through ``{table}_tv`` (tvs_ids)
    Ad(ContentItem, Base)       table ``ad``      + its advertiser columns
    Notice(ContentItem, Base)   table ``notice``  + ``message``, ``signers``,
                                                    ``is_emergency``

Each kind keeps its own table and ids (integrators hold them). A column every kind
gains is added here once, with one Alembic migration touching each kind's table
(``2026-12-06_scheduling`` shows the shape).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from expotv import windows as weekly
from expotv.content import ContentStatus, MediaMixin, ScheduledMixin, status_column
from expotv.db import TimestampMixin, association_table

if TYPE_CHECKING:
    from expotv.condominiums.models import Condominium
    from expotv.tvs.models import TV


class WindowsText(TypeDecorator[weekly.Windows]):
    """Weekly windows as the contract's JSON in a text column; none is NULL.

    Text rather than a JSON type: windows are read whole with their item and never
    queried, and MariaDB's JSON is a LONGTEXT that schema comparison reports as
    drift.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(
        self, value: weekly.Windows | None, dialect: Dialect
    ) -> str | None:
        return weekly.dumps(value) if value else None

    def process_result_value(
        self, value: str | None, dialect: Dialect
    ) -> weekly.Windows:
        return weekly.loads(value) if value else ()


class ContentItem(TimestampMixin, ScheduledMixin, MediaMixin):
    __tablename__: Any
    # Built for each kind when its class is declared: ``ad_condominium``,
    # ``ad_tv``, ...
    condominium_link: ClassVar[Table]
    tv_link: ClassVar[Table]

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The status to take when media processing finishes (ativo or inativo).
    requested_status: Mapped[ContentStatus] = status_column(index=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None
    )
    # Empty: always (``horarios``).
    windows: Mapped[weekly.Windows] = mapped_column(
        WindowsText(), nullable=True, default=()
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Before the declarative scan (``super()`` maps the class), so the
        # relationship below finds its table.
        table = cls.__dict__.get("__tablename__")
        if table is not None:
            cls.condominium_link = association_table(
                f"{table}_condominium", table, "condominium"
            )
            cls.tv_link = association_table(f"{table}_tv", table, "tv")
        super().__init_subclass__(**kwargs)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        # Lists filter by status and the expiry job scans by date.
        return (
            Index(f"ix_{cls.__tablename__}_status_expires_at", "status", "expires_at"),
        )

    @declared_attr
    def condominiums(cls) -> Mapped[list[Condominium]]:
        return relationship(
            secondary=cls.condominium_link, lazy="raise", order_by="Condominium.id"
        )

    @declared_attr
    def tvs(cls) -> Mapped[list[TV]]:
        """The TVs the item is limited to (``tvs_ids``); none: every TV of its
        condomínios."""
        return relationship(secondary=cls.tv_link, lazy="raise", order_by="TV.id")

    @property
    def condominium_ids(self) -> set[int]:
        return {c.id for c in self.condominiums}

    @property
    def tv_ids(self) -> set[int]:
        return {tv.id for tv in self.tvs}

    @classmethod
    def link_columns(cls) -> tuple[Column[int], Column[int]]:
        """The item's and the condomínio's column in ``{table}_condominium``."""
        link = cls.condominium_link
        return link.c[f"{cls.__tablename__}_id"], link.c.condominium_id

    @classmethod
    def tv_link_columns(cls) -> tuple[Column[int], Column[int]]:
        """The item's and the TV's column in ``{table}_tv``."""
        link = cls.tv_link
        return link.c[f"{cls.__tablename__}_id"], link.c.tv_id
