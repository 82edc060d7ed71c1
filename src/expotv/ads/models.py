from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from expotv.db import Base
from expotv.items.models import ContentItem


class Ad(ContentItem, Base):
    """An anúncio: a content item plus who advertises."""

    __tablename__ = "ad"

    advertiser_phone: Mapped[str] = mapped_column(String(40), default="")
    advertiser_name: Mapped[str] = mapped_column(String(200), default="")


ad_condominium = Ad.condominium_link
