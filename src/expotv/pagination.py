"""The contract's list shape: ``{"items", "total", "limit", "offset"}``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
R = TypeVar("R")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    offset: int


async def page_params(
    limit: Annotated[int, Query(ge=1, le=200, description="itens por página")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


Pagination = Annotated[PageParams, Depends(page_params)]


@dataclass(frozen=True, slots=True)
class PageResult(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


async def paginate(
    session: AsyncSession,
    query: Select[Any],
    params: PageParams,
    *,
    count: Select[Any] | None = None,
) -> PageResult[Any]:
    """Run ``query`` for one page and count the whole result in the database
    (with ``count`` when given: the same rows counted without a subquery)."""
    if count is None:
        count = select(func.count()).select_from(query.order_by(None).subquery())
    total: int | None = await session.scalar(count)
    rows = await session.scalars(query.limit(params.limit).offset(params.offset))
    return PageResult(
        items=list(rows.unique()),
        total=total or 0,
        limit=params.limit,
        offset=params.offset,
    )


def page_json(
    adapter: TypeAdapter[Page[R]], result: PageResult[T], present: Callable[[T], R]
) -> bytes:
    """``page_of`` as the JSON a route with ``response_model=Page[...]`` answers
    (by alias), encoded once: returned in a ``Response``, it is not validated
    and encoded again."""
    return adapter.dump_json(page_of(result, present), by_alias=True)


def page_of(result: PageResult[T], present: Callable[[T], R]) -> Page[R]:
    """The response page of ``result``, each row shown with ``present``."""
    return Page[R](
        items=[present(item) for item in result.items],
        total=result.total,
        limit=result.limit,
        offset=result.offset,
    )
