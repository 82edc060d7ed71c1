from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expotv.db import Base, association_table
from expotv.items.models import ContentItem

if TYPE_CHECKING:
    from expotv.users.models import User

# The síndicos who sign a notice (``sindico_ids``).
notice_signer = association_table("notice_signer", "notice", "user")


class Notice(ContentItem, Base):
    """An aviso: a content item plus its text and the síndicos who sign it."""

    __tablename__ = "notice"

    message: Mapped[str] = mapped_column(Text)
    # While an "ativo" one targets a TV, that TV plays only its emergencies.
    is_emergency: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    signers: Mapped[list[User]] = relationship(
        secondary=notice_signer, lazy="raise", order_by="User.id"
    )

    @property
    def signer_ids(self) -> set[int]:
        return {u.id for u in self.signers}


notice_condominium = Notice.condominium_link
