"""Query pieces the repositories share (SQL only; who may see what is
``auth.policy``'s)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy.orm import InstrumentedAttribute


def text_match(text: str, *columns: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    """Any of ``columns`` contains ``text``, ignoring case and the spaces around
    it; ``%`` and ``_`` in it are literal characters."""
    needle = text.strip().lower()
    return or_(
        *(func.lower(column).contains(needle, autoescape=True) for column in columns)
    )
