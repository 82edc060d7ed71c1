"""A playlist takes at most ``playlist_max_news`` notícias: the newest ones."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from fastapi import FastAPI

from expotv.cache import MemoryCache
from expotv.context import context_of
from expotv.db import utcnow
from expotv.playlist.service import PlaylistService
from tests.integration.playback.conftest import Arrange

MAX_NEWS = 3


@pytest.fixture
async def service(app: FastAPI) -> AsyncIterator[PlaylistService]:
    playlists = PlaylistService(
        sessionmaker=context_of(app).sessionmaker,
        cache=MemoryCache(),
        settings=context_of(app).settings.model_copy(
            update={"playlist_max_news": MAX_NEWS}
        ),
    )
    yield playlists
    await playlists.drain()
    await playlists.close()


async def test_a_flood_of_news_puts_only_the_newest_in_the_playlist(
    service: PlaylistService, arrange: Arrange
) -> None:
    condominium = await arrange.condominium()
    tv = await arrange.tv(condominium, ad_ratio=0, notice_ratio=0, news_ratio=1)
    collected = utcnow() - timedelta(minutes=5)
    # One collection: same created_at, publication dates out of document order.
    ages = [7, 2, 9, 1, 5, 3, 8]
    news = {
        age: await arrange.news(
            created_at=collected, published_at=collected - timedelta(hours=age)
        )
        for age in ages
    }
    manual = await arrange.news(created_at=collected - timedelta(minutes=1))

    served = await service.get(tv.code, client="t", now=utcnow())

    played = [item["id"] for item in json.loads(served.entry.body)["itens"]]
    # Newest by publication (a manual one by its creation), in playlist order.
    newest = sorted([manual.id, news[1].id, news[2].id])
    assert sorted(played) == newest
    assert played == [manual.id, news[2].id, news[1].id]
