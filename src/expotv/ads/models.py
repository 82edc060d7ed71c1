from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expotv.content import ContentStatus, ExpiringMixin, MediaMixin, status_column
from expotv.db import Base, TimestampMixin

if TYPE_CHECKING:
    from expotv.condominiums.models import Condominium

ad_condominium = Table(
    "ad_condominium",
    Base.metadata,
    Column("ad_id", ForeignKey("ad.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "condominium_id",
        ForeignKey("condominium.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Ad(TimestampMixin, ExpiringMixin, MediaMixin, Base):
    __tablename__ = "ad"
    __table_args__ = (Index("ix_ad_status_expires_at", "status", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    advertiser_phone: Mapped[str] = mapped_column(String(40), default="")
    advertiser_name: Mapped[str] = mapped_column(String(200), default="")
    # The status to take when media processing finishes (ativo or inativo).
    requested_status: Mapped[ContentStatus] = status_column(index=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None
    )

    condominiums: Mapped[list[Condominium]] = relationship(
        secondary=ad_condominium, lazy="raise", order_by="Condominium.id"
    )
