"""The arguments every root field shares, checked as REST checks its query string.

A bad value is REST's 422 (``Invalid``, with the camelCased field): a limit above
200, an offset out of range, a text longer than 200 characters, an id outside the
32-bit range.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from expotv.errors import Invalid
from expotv.graphql.context import Info
from expotv.graphql.types import Page
from expotv.pagination import PageParams, PageResult
from expotv.schemas import MAX_ID

RowT = TypeVar("RowT")
NodeT = TypeVar("NodeT")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 10_000_000
MAX_TEXT = 200


def page_params(limit: int, offset: int) -> PageParams:
    """The REST pagination rule: a limit above 200 is a 422, as is a bad offset."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit deve estar entre 1 e {MAX_LIMIT}", field="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise Invalid(f"offset deve estar entre 0 e {MAX_OFFSET}", field="offset")
    return PageParams(limit=limit, offset=offset)


def text(value: str | None, field: str) -> str | None:
    if value is not None and len(value) > MAX_TEXT:
        raise Invalid(f"no máximo {MAX_TEXT} caracteres", field=field)
    return value


def row_id(value: int | None, field: str) -> int | None:
    if value is not None and not 1 <= value <= MAX_ID:
        raise Invalid(f"deve ser um id entre 1 e {MAX_ID}", field=field)
    return value


async def fetch_page(
    info: Info,
    params: PageParams,
    fetch: Callable[[AsyncSession, PageParams], Awaitable[PageResult[RowT]]],
) -> PageResult[RowT]:
    """A page of rows from ``fetch`` (a REST list service), in the request's session."""
    async with info.context.database() as session:
        return await fetch(session, params)


def page_of(result: PageResult[Any], items: list[NodeT]) -> Page[NodeT]:
    return Page(
        items=items, total=result.total, limit=result.limit, offset=result.offset
    )
