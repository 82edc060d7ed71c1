"""Collecting RSS/Atom feeds served on loopback, and expiring what was collected."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import delete, func, select

from expotv.config import Settings
from expotv.content import ContentStatus
from expotv.context import context_of
from expotv.db import utcnow
from expotv.news import jobs as news_jobs
from expotv.news.models import NewsFeed, NewsItem
from tests.integration.news.conftest import FEED_MAX_BYTES
from tests.integration.news.feedkit import (
    FeedServer,
    Route,
    atom,
    atom_entry,
    rss,
    rss_item,
)
from tests.support import Factory

MEDIA = 'xmlns:media="http://search.yahoo.com/mrss/"'


async def _source(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, nome: str = "Portal"
) -> dict[str, object]:
    response = await client.post(
        "/noticias/fontes", json={"nome": nome, "url": url}, headers=headers
    )
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def _collect(
    client: httpx.AsyncClient, headers: dict[str, str], feed_id: object
) -> dict[str, object]:
    response = await client.post(f"/noticias/fontes/{feed_id}/coletar", headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


async def _news(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> list[dict[str, object]]:
    response = await client.get("/noticias?limit=200", headers=headers)
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def _count(app: FastAPI, feed_id: object) -> int:
    async with context_of(app).sessionmaker() as session:
        total = await session.scalar(
            select(func.count())
            .select_from(NewsItem)
            .where(NewsItem.feed_id == feed_id)
        )
    return int(total or 0)


async def test_rss_with_media_content_is_collected(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
) -> None:
    now = utcnow()
    body = rss(
        rss_item(
            "guid-1",
            "Vacinação no bairro",
            description="<p>Campanha <b>começa</b> &amp; segue</p>",
            published=now - timedelta(hours=2),
            link="https://example.com/vacina",
            extra='<media:content url="https://cdn.example.com/v.jpg" medium="image"/>',
        ),
        rss_item("guid-2", "Sem imagem", published=now - timedelta(hours=1)),
    )
    url = feed_server.serve("/rss.xml", Route(body=body))
    feed = await _source(feeds_client, admin_headers, url, nome="Jornal do Bairro")

    collected = await _collect(feeds_client, admin_headers, feed["id"])

    assert collected["ultimo_erro"] is None
    assert collected["ultima_coleta"] is not None
    items = {item["titulo"]: item for item in await _news(feeds_client, admin_headers)}
    assert set(items) == {"Vacinação no bairro", "Sem imagem"}
    first = items["Vacinação no bairro"]
    assert first["resumo"] == "Campanha começa & segue"
    assert first["imagem_url"] == "https://cdn.example.com/v.jpg"
    assert first["link"] == "https://example.com/vacina"
    assert first["fonte"] == "Jornal do Bairro"
    assert first["status"] == "ativo"
    assert first["duracao"] == 10
    assert str(first["publicado_em"]).startswith(
        (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S")
    )
    assert first["data_expiracao"] is not None
    assert items["Sem imagem"]["imagem_url"] is None


async def test_atom_feed_is_collected_with_image_from_content(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
) -> None:
    now = utcnow()
    body = atom(
        atom_entry(
            "urn:1",
            "Reunião de condomínio",
            updated=now - timedelta(minutes=30),
            content_html='<p>Pauta <img src="https://cdn.example.com/p.png"> aqui</p>',
        ),
        updated=now,
    )
    url = feed_server.serve(
        "/atom.xml", Route(body=body, content_type="application/atom+xml")
    )
    feed = await _source(feeds_client, admin_headers, url)

    await _collect(feeds_client, admin_headers, feed["id"])

    [item] = await _news(feeds_client, admin_headers)
    assert item["titulo"] == "Reunião de condomínio"
    assert item["resumo"] == "Pauta aqui"
    assert item["imagem_url"] == "https://cdn.example.com/p.png"


async def test_script_in_summary_leaves_no_script_text(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
) -> None:
    description = (
        "<p>Antes</p><script>alert('xss')</script><style>p{color:red}</style>"
        "&lt;script&gt;document.cookie&lt;/script&gt; depois"
    )
    body = rss(
        rss_item("g", "<b>Título</b> <script>evil()</script>", description=description)
    )
    url = feed_server.serve("/xss.xml", Route(body=body))
    feed = await _source(feeds_client, admin_headers, url)

    await _collect(feeds_client, admin_headers, feed["id"])

    [item] = await _news(feeds_client, admin_headers)
    assert item["titulo"] == "Título"
    assert item["resumo"] == "Antes depois"
    for text in (str(item["titulo"]), str(item["resumo"])):
        assert "<" not in text
        assert "alert" not in text
        assert "evil" not in text
        assert "cookie" not in text
        assert "color" not in text


async def test_long_summary_is_cut_on_a_word_boundary(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
) -> None:
    body = rss(rss_item("g", "Longa", description="palavra " * 200))
    url = feed_server.serve("/long.xml", Route(body=body))
    feed = await _source(feeds_client, admin_headers, url)

    await _collect(feeds_client, admin_headers, feed["id"])

    [item] = await _news(feeds_client, admin_headers)
    summary = str(item["resumo"])
    assert len(summary) <= 500
    assert summary.endswith("palavra…")


async def test_same_entries_twice_create_no_duplicates(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
    feeds_app: FastAPI,
) -> None:
    now = utcnow()
    items = [
        rss_item("a", "Um", published=now),
        rss_item("b", "Dois", published=now),
        # The same guid twice in one document.
        rss_item("b", "Dois de novo", published=now),
        # No guid: the link identifies it.
        rss_item("", "Três", link="https://example.com/tres", published=now),
    ]
    url = feed_server.serve("/dupes.xml", Route(body=rss(*items)))
    feed = await _source(feeds_client, admin_headers, url)

    await _collect(feeds_client, admin_headers, feed["id"])
    await _collect(feeds_client, admin_headers, feed["id"])

    assert await _count(feeds_app, feed["id"]) == 3
    titles = sorted(str(i["titulo"]) for i in await _news(feeds_client, admin_headers))
    assert titles == ["Dois", "Três", "Um"]


async def test_new_entries_are_added_on_the_next_collection(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
    feeds_app: FastAPI,
) -> None:
    now = utcnow()
    url = feed_server.serve(
        "/grow.xml", Route(body=rss(rss_item("a", "Um", published=now)))
    )
    feed = await _source(feeds_client, admin_headers, url)
    await _collect(feeds_client, admin_headers, feed["id"])

    feed_server.serve(
        "/grow.xml",
        Route(
            body=rss(
                rss_item("b", "Dois", published=now), rss_item("a", "Um", published=now)
            )
        ),
    )
    await _collect(feeds_client, admin_headers, feed["id"])

    assert await _count(feeds_app, feed["id"]) == 2


async def test_conditional_get_304_creates_nothing(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
    feeds_app: FastAPI,
    feed_settings: Settings,
) -> None:
    now = utcnow()
    route = Route(
        body=rss(rss_item("a", "Um", published=now)),
        etag='"v1"',
        headers={"Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"},
    )
    url = feed_server.serve("/etag.xml", route)
    feed = await _source(feeds_client, admin_headers, url)
    await _collect(feeds_client, admin_headers, feed["id"])
    async with context_of(feeds_app).sessionmaker() as session:
        await session.execute(delete(NewsItem))
        await session.commit()

    report = await news_jobs.collect_feeds(
        context_of(feeds_app).sessionmaker, feed_settings, now=utcnow()
    )

    assert report.feeds == 1
    assert report.not_modified == 1
    assert report.items_created == 0
    assert await _count(feeds_app, feed["id"]) == 0
    second = feed_server.seen("/etag.xml")[-1]
    assert second.headers["if-none-match"] == '"v1"'
    assert second.headers["if-modified-since"] == "Mon, 01 Jan 2024 00:00:00 GMT"
    source = await feeds_client.get(
        f"/noticias/fontes/{feed['id']}", headers=admin_headers
    )
    assert source.json()["ultimo_erro"] is None


async def test_malformed_feed_records_an_error_and_a_later_success_clears_it(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
) -> None:
    url = feed_server.serve(
        "/broken.xml", Route(body=b"<rss><channel><item><title>quebrado")
    )
    feed = await _source(feeds_client, admin_headers, url)

    failed = await _collect(feeds_client, admin_headers, feed["id"])

    assert failed["ultimo_erro"] == "o conteúdo não é um feed RSS/Atom válido"
    assert failed["ultima_coleta"] is not None
    assert await _news(feeds_client, admin_headers) == []

    feed_server.serve("/broken.xml", Route(body=rss(rss_item("a", "Consertado"))))
    fixed = await _collect(feeds_client, admin_headers, feed["id"])

    assert fixed["ultimo_erro"] is None
    assert [i["titulo"] for i in await _news(feeds_client, admin_headers)] == [
        "Consertado"
    ]


async def test_html_page_instead_of_a_feed_is_an_error(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
) -> None:
    url = feed_server.serve(
        "/page.html",
        Route(body=b"<html><body><p>Oi</p></body></html>", content_type="text/html"),
    )
    feed = await _source(feeds_client, admin_headers, url)

    result = await _collect(feeds_client, admin_headers, feed["id"])

    assert result["ultimo_erro"] == "o conteúdo não é um feed RSS/Atom válido"


async def test_http_error_is_recorded(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
) -> None:
    url = feed_server.serve("/gone.xml", Route(status=500, body=b"erro"))
    feed = await _source(feeds_client, admin_headers, url)

    result = await _collect(feeds_client, admin_headers, feed["id"])

    assert result["ultimo_erro"] == "o servidor respondeu HTTP 500"


async def test_slow_feed_past_the_timeout_is_an_error(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
) -> None:
    release = threading.Event()
    url = feed_server.serve("/slow.xml", Route(body=rss(), hold=release))
    feed = await _source(feeds_client, admin_headers, url)

    try:
        result = await _collect(feeds_client, admin_headers, feed["id"])
    finally:
        release.set()

    assert result["ultimo_erro"] == "tempo esgotado ao buscar o feed"


async def test_feed_over_the_size_cap_is_an_error(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
) -> None:
    filler = rss_item("big", "Grande", description="x" * (FEED_MAX_BYTES + 1))
    declared = feed_server.serve("/big.xml", Route(body=rss(filler)))
    undeclared = feed_server.serve(
        "/big-stream.xml", Route(body=rss(filler), declare_length=False)
    )
    first = await _source(feeds_client, admin_headers, declared, nome="A")
    second = await _source(feeds_client, admin_headers, undeclared, nome="B")

    results = [
        await _collect(feeds_client, admin_headers, first["id"]),
        await _collect(feeds_client, admin_headers, second["id"]),
    ]

    for result in results:
        assert (
            result["ultimo_erro"]
            == f"feed maior que o limite de {FEED_MAX_BYTES} bytes"
        )
    assert await _news(feeds_client, admin_headers) == []


async def test_redirects_are_followed(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
) -> None:
    feed_server.serve("/final.xml", Route(body=rss(rss_item("a", "Depois do desvio"))))
    url = feed_server.serve(
        "/moved.xml", Route(status=301, headers={"Location": "/final.xml"})
    )
    feed = await _source(feeds_client, admin_headers, url)

    result = await _collect(feeds_client, admin_headers, feed["id"])

    assert result["ultimo_erro"] is None
    assert [i["titulo"] for i in await _news(feeds_client, admin_headers)] == [
        "Depois do desvio"
    ]


async def test_redirect_loops_stop(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
) -> None:
    url = feed_server.serve(
        "/loop.xml", Route(status=302, headers={"Location": "/loop.xml"})
    )
    feed = await _source(feeds_client, admin_headers, url)

    result = await _collect(feeds_client, admin_headers, feed["id"])

    assert result["ultimo_erro"] == "redirecionamentos demais"
    assert len(feed_server.seen("/loop.xml")) == 6


async def test_redirect_to_another_scheme_is_refused(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
) -> None:
    url = feed_server.serve(
        "/ftp.xml", Route(status=302, headers={"Location": "ftp://example.com/rss"})
    )
    feed = await _source(feeds_client, admin_headers, url)

    result = await _collect(feeds_client, admin_headers, feed["id"])

    assert result["ultimo_erro"] == "a URL deve começar com http:// ou https://"


async def test_one_failing_source_does_not_stop_the_job(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
    feeds_app: FastAPI,
    feed_settings: Settings,
    factory: Factory,
) -> None:
    good = await _source(
        feeds_client,
        admin_headers,
        feed_server.serve("/ok.xml", Route(body=rss(rss_item("a", "Boa")))),
        nome="Boa",
    )
    bad = await _source(
        feeds_client,
        admin_headers,
        feed_server.serve("/bad.xml", Route(status=404)),
        nome="Ruim",
    )
    # Nothing listens on port 9 of loopback (discard): the connection is refused.
    refused = await factory.add(NewsFeed(name="Recusada", url="http://127.0.0.1:9/rss"))
    skipped = await factory.add(
        NewsFeed(
            name="Inativa",
            url=feed_server.serve("/off.xml", Route(body=rss(rss_item("z", "Z")))),
            is_active=False,
        )
    )

    report = await news_jobs.collect_feeds(
        context_of(feeds_app).sessionmaker, feed_settings, now=utcnow()
    )

    assert report.feeds == 3
    assert report.failed == 2
    assert report.items_created == 1
    assert set(report.errors) == {bad["id"], refused.id}
    assert feed_server.seen("/off.xml") == []
    sources = (await feeds_client.get("/noticias/fontes", headers=admin_headers)).json()
    by_id = {s["id"]: s for s in sources["items"]}
    assert by_id[good["id"]]["ultimo_erro"] is None
    assert by_id[bad["id"]]["ultimo_erro"] == "o servidor respondeu HTTP 404"
    assert by_id[refused.id]["ultimo_erro"] == "falha de conexão com o servidor do feed"
    assert by_id[skipped.id]["ultima_coleta"] is None


async def test_collecting_is_idempotent_across_runs(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
    feeds_app: FastAPI,
    feed_settings: Settings,
) -> None:
    now = utcnow()
    url = feed_server.serve(
        "/twice.xml", Route(body=rss(rss_item("a", "Um", published=now)))
    )
    feed = await _source(feeds_client, admin_headers, url)
    sessionmaker = context_of(feeds_app).sessionmaker

    first = await news_jobs.collect_feeds(sessionmaker, feed_settings, now=now)
    second = await news_jobs.collect_feeds(sessionmaker, feed_settings, now=now)

    assert (first.items_created, second.items_created) == (1, 0)
    assert await _count(feeds_app, feed["id"]) == 1


async def test_collected_news_expire_by_age_and_manual_news_by_their_date(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
    feeds_app: FastAPI,
    feed_settings: Settings,
) -> None:
    now = utcnow()
    max_age = timedelta(seconds=feed_settings.news_max_age_seconds)
    url = feed_server.serve(
        "/age.xml",
        Route(
            body=rss(
                rss_item("fresh", "Recente", published=now - timedelta(hours=1)),
                rss_item("old", "Antiga", published=now - max_age - timedelta(hours=1)),
            )
        ),
    )
    feed = await _source(feeds_client, admin_headers, url)
    await _collect(feeds_client, admin_headers, feed["id"])
    manual = {}
    for title, expiry in [
        ("Sem data", None),
        ("Vence cedo", now + timedelta(hours=2)),
        ("Vence tarde", now + max_age * 10),
    ]:
        body = {"titulo": title, "data_expiracao": expiry and expiry.isoformat()}
        response = await feeds_client.post(
            "/noticias", json=body, headers=admin_headers
        )
        manual[title] = response.json()["id"]
    statuses = {
        i["titulo"]: i["status"] for i in await _news(feeds_client, admin_headers)
    }
    # Already past the age limit when collected: kept, but never played.
    assert statuses["Antiga"] == "expirado"
    assert statuses["Recente"] == "ativo"

    later = now + max_age + timedelta(hours=2)
    sessionmaker = context_of(feeds_app).sessionmaker
    expired = await news_jobs.expire_collected(sessionmaker, feed_settings, now=later)
    again = await news_jobs.expire_collected(sessionmaker, feed_settings, now=later)

    assert (expired, again) == (2, 0)
    async with sessionmaker() as session:
        rows = await session.execute(select(NewsItem.title, NewsItem.status))
        stored = dict(rows.all())
    assert stored == {
        "Recente": ContentStatus.EXPIRED,
        "Antiga": ContentStatus.EXPIRED,
        "Sem data": ContentStatus.ACTIVE,
        "Vence cedo": ContentStatus.EXPIRED,
        "Vence tarde": ContentStatus.ACTIVE,
    }


async def test_age_limit_applies_to_collected_rows_without_an_expiry(
    feeds_app: FastAPI, feed_settings: Settings, factory: Factory, clean: None
) -> None:
    now = utcnow()
    max_age = timedelta(seconds=feed_settings.news_max_age_seconds)
    await factory.add(
        NewsItem(
            title="Coletada antiga",
            guid_hash="b" * 64,
            published_at=now - max_age - timedelta(minutes=1),
        )
    )
    await factory.add(NewsItem(title="Manual antiga", published_at=now - max_age * 2))

    expired = await news_jobs.expire_collected(
        context_of(feeds_app).sessionmaker, feed_settings, now=now
    )

    assert expired == 1
    async with context_of(feeds_app).sessionmaker() as session:
        rows = await session.execute(select(NewsItem.title, NewsItem.status))
        stored = dict(rows.all())
    assert stored == {
        "Coletada antiga": ContentStatus.EXPIRED,
        "Manual antiga": ContentStatus.ACTIVE,
    }


async def test_racing_collections_of_one_source_do_not_duplicate(
    feeds_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    feed_server: FeedServer,
    feeds_app: FastAPI,
    feed_settings: Settings,
) -> None:
    now = utcnow()
    entries = [rss_item(f"g{i}", f"Notícia {i}", published=now) for i in range(5)]
    url = feed_server.serve("/race.xml", Route(body=rss(*entries)))
    feed = await _source(feeds_client, admin_headers, url)
    sessionmaker = context_of(feeds_app).sessionmaker

    outcomes = await asyncio.gather(
        *(
            news_jobs.collect_feed(
                sessionmaker, feed_settings, int(feed["id"]), now=now
            )
            for _ in range(3)
        )
    )

    assert [o.error for o in outcomes] == [None, None, None]
    assert sum(o.created for o in outcomes) == 5
    assert await _count(feeds_app, feed["id"]) == 5
