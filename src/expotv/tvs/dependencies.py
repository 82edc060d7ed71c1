from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path

from expotv.auth.dependencies import CurrentUser
from expotv.db import utcnow
from expotv.deps import DbSession
from expotv.schemas import RowId
from expotv.tvs import service
from expotv.tvs.models import TV


async def request_time() -> datetime:
    """The request's "now", read once (a TV's status is computed against it)."""
    return utcnow()


RequestTime = Annotated[datetime, Depends(request_time)]

TVId = Annotated[RowId, Path(description="id da TV")]


async def get_visible_tv(tv_id: TVId, user: CurrentUser, session: DbSession) -> TV:
    return await service.get_visible(session, tv_id, user=user)


VisibleTV = Annotated[TV, Depends(get_visible_tv)]
