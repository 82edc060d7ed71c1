"""The columns and relations every kind of content item has, declared once.

    ContentItem (mixin)   id, name, status, requested_status, expires_at,
                          duration_seconds, media columns, created_by_id,
                          created_at/updated_at; ``condominiums`` through the
                          kind's own ``{table}_condominium``; the
                          ``ix_{table}_status_expires_at`` index
    Ad(ContentItem, Base)       table ``ad``      + its advertiser columns
    Notice(ContentItem, Base)   table ``notice``  + ``message``, ``signers``

Each kind keeps its own table and ids (integrators hold them). A column every kind
gains (the scheduling issue's start date, windows, TV targets) is added here once,
with one Alembic migration touching each kind's table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from expotv.content import ContentStatus, ExpiringMixin, MediaMixin, status_column
from expotv.db import TimestampMixin, association_table

if TYPE_CHECKING:
    from expotv.condominiums.models import Condominium


class ContentItem(TimestampMixin, ExpiringMixin, MediaMixin):
    __tablename__: Any
    # Built for each kind when its class is declared: ``ad_condominium``, ...
    condominium_link: ClassVar[Table]

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The status to take when media processing finishes (ativo or inativo).
    requested_status: Mapped[ContentStatus] = status_column(index=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Before the declarative scan (``super()`` maps the class), so the
        # relationship below finds its table.
        table = cls.__dict__.get("__tablename__")
        if table is not None:
            cls.condominium_link = association_table(
                f"{table}_condominium", table, "condominium"
            )
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

    @property
    def condominium_ids(self) -> set[int]:
        return {c.id for c in self.condominiums}

    @classmethod
    def link_columns(cls) -> tuple[Column[int], Column[int]]:
        """The item's and the condomínio's column in ``{table}_condominium``."""
        link = cls.condominium_link
        return link.c[f"{cls.__tablename__}_id"], link.c.condominium_id
