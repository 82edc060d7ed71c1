"""What many TVs play now, and why the rest does not, with a fixed number of
statements whatever their number: ``GET /tvs/{id}/playlist`` for a page of TVs.

The items of every condomínio asked for come in one pass
(``playlist.loader.items_by_condominium``); each TV's body and ``fora`` are then
``playlist.overview.view_of``, the same pure parts REST uses. Reading is not a ping
and touches no cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.playlist.builder import Ratios, TVInfo
from expotv.playlist.loader import items_by_condominium
from expotv.playlist.overview import view_of
from expotv.timezones import zone_of
from expotv.tvs.models import TV


def tv_info(tv: TV, condominium: Condominium | None, settings: Settings) -> TVInfo:
    """The builder's view of a loaded TV (``loader.tv_info`` reads it by columns)."""
    zone = condominium.timezone if condominium and condominium.timezone else None
    return TVInfo(
        id=tv.id,
        code=tv.code,
        name=tv.name,
        condominium_id=tv.condominium_id,
        condominium_name=condominium.name if condominium else "",
        ratios=Ratios(notices=tv.notice_ratio, ads=tv.ad_ratio, news=tv.news_ratio),
        zone=zone_of(zone or settings.timezone),
    )


async def playlist_views(
    session: AsyncSession,
    tvs: Sequence[TV],
    condominiums: dict[int, Condominium],
    *,
    now: datetime,
    settings: Settings,
) -> dict[int, dict[str, Any]]:
    """Each TV's content body plus ``fora``, by TV id."""
    items = await items_by_condominium(
        session,
        sorted({tv.condominium_id for tv in tvs}),
        now,
        max_news=settings.playlist_max_news,
        every_status=True,
    )
    return {
        tv.id: view_of(
            tv_info(tv, condominiums.get(tv.condominium_id), settings),
            items[tv.condominium_id],
            now=now,
        )
        for tv in tvs
    }
