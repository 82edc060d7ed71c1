"""The news service's rules: when playlists are invalidated, and the DNS
re-check at collection time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.context import context_of
from expotv.db import utcnow
from expotv.news import feeds
from expotv.news import jobs as news_jobs
from expotv.news import service as news_service
from expotv.news.models import NewsFeed, NewsItem
from expotv.news.schemas import NewsCreate, NewsUpdate
from expotv.tvs.models import TV
from tests.integration.news.feedkit import FeedServer, Route, rss, rss_item
from tests.support import Factory


def _invalidates_all(session: AsyncSession) -> bool:
    pending: Any = session.info.get("playlist_changes")
    return bool(pending is not None and pending.all_tvs)


def _entry(key: str, *, age: timedelta = timedelta(0)) -> feeds.ParsedEntry:
    return feeds.ParsedEntry(
        guid_hash=feeds.guid_hash(key),
        title=f"Notícia {key}",
        summary="",
        link=None,
        image_url=None,
        published_at=utcnow() - age,
    )


async def test_creating_an_active_news_invalidates_every_tv(
    app: FastAPI, clean: None
) -> None:
    async with context_of(app).sessionmaker() as session:
        await news_service.create_news(
            session, NewsCreate(titulo="Ativa"), now=utcnow()
        )

        assert _invalidates_all(session)
        await session.rollback()


async def test_creating_an_inactive_news_invalidates_nothing(
    app: FastAPI, clean: None
) -> None:
    async with context_of(app).sessionmaker() as session:
        await news_service.create_news(
            session, NewsCreate(titulo="Inativa", status="inativo"), now=utcnow()
        )

        assert not _invalidates_all(session)
        await session.rollback()


async def test_an_update_that_changes_nothing_invalidates_nothing(
    app: FastAPI, factory: Factory, clean: None
) -> None:
    item = await factory.add(NewsItem(title="Igual", source=""))

    async with context_of(app).sessionmaker() as session:
        loaded = await session.get(NewsItem, item.id)
        assert loaded is not None
        before = loaded.updated_at
        await news_service.update_news(
            session, loaded, NewsUpdate(titulo="Igual"), now=utcnow()
        )

        assert not _invalidates_all(session)
        assert loaded.updated_at == before
        await session.rollback()


async def test_collection_with_nothing_new_invalidates_nothing(
    app: FastAPI, factory: Factory, clean: None
) -> None:
    feed = await factory.add(NewsFeed(name="Portal", url="http://93.184.216.34/rss"))
    max_age = timedelta(days=3)

    async with context_of(app).sessionmaker() as session:
        loaded = await session.get(NewsFeed, feed.id)
        assert loaded is not None
        created = await news_service.record_collection(
            session,
            loaded,
            now=utcnow(),
            max_age=max_age,
            max_live=100,
            entries=[_entry("a")],
        )
        await session.commit()
    async with context_of(app).sessionmaker() as session:
        loaded = await session.get(NewsFeed, feed.id)
        assert loaded is not None
        again = await news_service.record_collection(
            session,
            loaded,
            now=utcnow(),
            max_age=max_age,
            max_live=100,
            entries=[_entry("a")],
        )

        assert (created, again) == (1, 0)
        assert not _invalidates_all(session)
        await session.rollback()


async def test_collecting_only_entries_past_the_age_limit_invalidates_nothing(
    app: FastAPI, factory: Factory, clean: None
) -> None:
    feed = await factory.add(NewsFeed(name="Portal", url="http://93.184.216.34/rss"))

    async with context_of(app).sessionmaker() as session:
        loaded = await session.get(NewsFeed, feed.id)
        assert loaded is not None
        created = await news_service.record_collection(
            session,
            loaded,
            now=utcnow(),
            max_age=timedelta(days=1),
            max_live=100,
            entries=[_entry("old", age=timedelta(days=2))],
        )

        assert created == 1
        assert not _invalidates_all(session)
        await session.rollback()


async def test_fetch_time_dns_check_refuses_a_rebound_name(
    app: FastAPI, settings: Settings, factory: Factory, clean: None
) -> None:
    # Accepted when it pointed at a public address; now it points at loopback.
    feed = await factory.add(
        NewsFeed(name="Portal", url="http://feeds.example.com/rss")
    )

    async def rebound(_host: str, _port: int) -> list[str]:
        return ["127.0.0.1"]

    outcome = await news_jobs.collect_feed(
        context_of(app).sessionmaker, settings, feed.id, now=utcnow(), resolver=rebound
    )

    assert outcome.error is not None
    assert "rede local, privada ou reservada" in outcome.error
    assert outcome.feed is not None
    assert outcome.feed.last_error == outcome.error


async def test_collecting_a_deleted_source_reports_nothing(
    app: FastAPI, settings: Settings, clean: None
) -> None:
    outcome = await news_jobs.collect_feed(
        context_of(app).sessionmaker, settings, 999_999, now=utcnow()
    )

    assert outcome.feed is None
    assert outcome.created == 0


async def test_collected_news_reaches_the_tv_playlist_at_once(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
    factory: Factory,
) -> None:
    condominium = await factory.add(Condominium(name="Condomínio"))
    tv = await factory.add(
        TV(code="ABCDEF", name="Hall", condominium_id=condominium.id)
    )
    before = await feeds_client.get(f"/app/tv/{tv.code}/content")
    assert before.status_code == 200
    assert before.json()["itens"] == []
    url = feed_server.serve("/tv.xml", Route(body=rss(rss_item("a", "Na TV"))))
    created = await feeds_client.post(
        "/noticias/fontes", json={"nome": "Portal", "url": url}, headers=admin_headers
    )

    await feeds_client.post(
        f"/noticias/fontes/{created.json()['id']}/coletar", headers=admin_headers
    )

    after = await feeds_client.get(f"/app/tv/{tv.code}/content")
    assert {item["titulo"] for item in after.json()["itens"]} == {"Na TV"}
    assert after.json()["versao"] != before.json()["versao"]
