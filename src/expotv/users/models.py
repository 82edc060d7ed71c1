from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Enum, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expotv.db import Base, TimestampMixin, association_table

if TYPE_CHECKING:
    from expotv.condominiums.models import Condominium


class Role(StrEnum):
    """``nivel``: Master, Síndico, Visitante (contract spelling in ``schemas``)."""

    ADMIN = "admin"
    MANAGER = "manager"
    VIEWER = "viewer"


viewer_condominium = association_table("viewer_condominium", "user", "condominium")


class User(TimestampMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    ad_limit: Mapped[int] = mapped_column(Integer, default=10)
    notice_limit: Mapped[int] = mapped_column(Integer, default=10)
    condominium_limit: Mapped[int] = mapped_column(Integer, default=1)

    # Condomínios a Visitante may read (assigned by a Master).
    assigned_condominiums: Mapped[list[Condominium]] = relationship(
        secondary=viewer_condominium, lazy="raise"
    )
