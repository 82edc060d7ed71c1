"""Query pieces the repositories share (SQL only; who may see what is
``auth.policy``'s)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute


def text_match(text: str, *columns: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    """Any of ``columns`` contains ``text``, ignoring case and the spaces around
    it; ``%`` and ``_`` in it are literal characters."""
    needle = text.strip().lower()
    return or_(
        *(func.lower(column).contains(needle, autoescape=True) for column in columns)
    )


async def is_taken(
    session: AsyncSession,
    column: InstrumentedAttribute[Any],
    value: object,
    *,
    except_id: int | None = None,
) -> bool:
    """Some row (besides ``except_id``) already holds ``value`` in ``column``."""
    model = column.class_
    query = select(model.id).where(column == value)
    if except_id is not None:
        query = query.where(model.id != except_id)
    return await session.scalar(query.limit(1)) is not None
