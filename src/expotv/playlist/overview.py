"""``GET /tvs/{id}/playlist``: what a TV plays now, and why the rest does not.

The same parts as the TV's own playlist (``loader``, ``eligibility.evaluate``,
``builder.body_of``), built fresh from the database rather than the cache (the
manager asks right after a change) and over every item of the condomínio, so each
one left out comes with its ``motivo``. Not a ping: the TV's heartbeat is not
touched.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from expotv.config import Settings
from expotv.playlist import repository
from expotv.playlist.builder import PlaylistItem, TVInfo, body_of
from expotv.playlist.eligibility import evaluate
from expotv.playlist.loader import playlist_items, tv_info
from expotv.tvs.exceptions import TVNotFound


async def what_plays(
    session: AsyncSession, tv_id: int, *, now: datetime, settings: Settings
) -> dict[str, Any]:
    """The content body of TV ``tv_id`` at ``now`` plus ``fora``."""
    tv = await tv_info(session, repository.tv_by_id(tv_id), settings)
    if tv is None:
        raise TVNotFound()
    items = await playlist_items(
        session, tv, now, max_news=settings.playlist_max_news, every_status=True
    )
    return view_of(tv, items, now=now)


def view_of(tv: TVInfo, items: list[PlaylistItem], *, now: datetime) -> dict[str, Any]:
    """The body and ``fora`` from a TV's items (all of its condomínio's, every
    status): also GraphQL's, for many TVs loaded at once."""
    lineup = evaluate(items, tv, now)
    body = body_of(tv, lineup, now=now)
    body["fora"] = [
        {
            "tipo": item.kind.value,
            "id": item.id,
            "titulo": item.title,
            "motivo": reason.value,
        }
        for item, reason in lineup.out
    ]
    return body
