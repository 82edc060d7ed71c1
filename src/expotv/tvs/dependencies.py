from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path

from expotv.auth.dependencies import CurrentUser
from expotv.deps import DbSession, PresenceDep, RequestTime
from expotv.pagination import Page, PageResult, page_of
from expotv.schemas import RowId
from expotv.tvs import service
from expotv.tvs.models import TV
from expotv.tvs.presence import Presence
from expotv.tvs.schemas import TVRead, TVStatusRead

TVId = Annotated[RowId, Path(description="id da TV")]


async def get_visible_tv(tv_id: TVId, user: CurrentUser, session: DbSession) -> TV:
    return await service.get_visible(session, tv_id, user=user)


VisibleTV = Annotated[TV, Depends(get_visible_tv)]


@dataclass(frozen=True, slots=True)
class TVReader:
    """TVs as this request shows them: status as of its ``now``, pings not yet
    written included."""

    presence: Presence
    now: datetime

    async def one(self, tv: TV) -> TVRead:
        return await service.read(tv, now=self.now, presence=self.presence)

    async def status(self, tv: TV) -> TVStatusRead:
        return await service.status_read(tv, now=self.now, presence=self.presence)

    async def page(self, result: PageResult[TV]) -> Page[TVRead]:
        pending = await self.presence.pending(result.items)
        return page_of(
            result,
            lambda tv: service.to_read(
                tv, now=self.now, presence=self.presence, pending=pending
            ),
        )


async def get_tv_reader(presence: PresenceDep, now: RequestTime) -> TVReader:
    return TVReader(presence=presence, now=now)


TVs = Annotated[TVReader, Depends(get_tv_reader)]
