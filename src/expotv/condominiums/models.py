from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expotv.db import Base, TimestampMixin

if TYPE_CHECKING:
    from expotv.tvs.models import TV


class Condominium(TimestampMixin, Base):
    __tablename__ = "condominium"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None
    )
    # IANA name (``fuso_horario``); None follows EXPOTV_TIMEZONE, so a deployment
    # that changes its zone moves the condomínios that never chose one.
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)

    # One-way (TV has no ``condominium`` attribute): tvs.models then needs nothing
    # from this module, and the two never import each other.
    tvs: Mapped[list[TV]] = relationship(
        lazy="raise",
        order_by="TV.id",
        passive_deletes=True,
    )
