from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expotv.content import ContentStatus, ExpiringMixin, MediaMixin, status_column
from expotv.db import Base, TimestampMixin

if TYPE_CHECKING:
    from expotv.condominiums.models import Condominium
    from expotv.users.models import User

notice_condominium = Table(
    "notice_condominium",
    Base.metadata,
    Column("notice_id", ForeignKey("notice.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "condominium_id",
        ForeignKey("condominium.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

# The síndicos who sign a notice (``sindico_ids``).
notice_signer = Table(
    "notice_signer",
    Base.metadata,
    Column("notice_id", ForeignKey("notice.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "user_id",
        ForeignKey("user.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Notice(TimestampMixin, ExpiringMixin, MediaMixin, Base):
    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_status_expires_at", "status", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    requested_status: Mapped[ContentStatus] = status_column(index=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None
    )

    condominiums: Mapped[list[Condominium]] = relationship(
        secondary=notice_condominium, lazy="raise", order_by="Condominium.id"
    )
    signers: Mapped[list[User]] = relationship(
        secondary=notice_signer, lazy="raise", order_by="User.id"
    )
