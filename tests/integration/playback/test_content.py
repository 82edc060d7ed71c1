"""GET /app/tv/{codigo}/content: shape, eligibility, ETag/304, cache, unknown codes."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI

from expotv.content import ContentStatus
from expotv.context import context_of
from expotv.db import utcnow
from expotv.playlist.schemas import PlaylistRead
from expotv.playlist.service import PlaylistService
from tests import support
from tests.integration.playback.conftest import (
    Arrange,
    StatementLog,
    content,
    in_minutes,
)


async def test_content_interleaves_the_tvs_eligible_items(
    client: httpx.AsyncClient, arrange: Arrange
) -> None:
    home = await arrange.condominium()
    other = await arrange.condominium()
    tv = await arrange.tv(home, ad_ratio=2, notice_ratio=1, news_ratio=1)
    t0 = utcnow() - timedelta(hours=1)
    notice = await arrange.notice(home, created_at=t0)
    ad1 = await arrange.ad(home, other, created_at=t0 + timedelta(seconds=1))
    ad2 = await arrange.ad(home, created_at=t0 + timedelta(seconds=2))
    ad3 = await arrange.ad(home, created_at=t0 + timedelta(seconds=3))
    news = await arrange.news(created_at=t0, source="Agência Brasil", published_at=t0)
    # Not eligible: another condomínio's, inactive, expired, still processing.
    await arrange.ad(other)
    await arrange.notice(other)
    await arrange.ad(home, status=ContentStatus.INACTIVE)
    await arrange.ad(home, status=ContentStatus.PROCESSING)
    await arrange.notice(home, expires_at=utcnow() - timedelta(minutes=1))
    await arrange.news(status=ContentStatus.EXPIRED)

    response = await content(client, tv.code.lower())

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "public, max-age=30"
    body = response.json()
    PlaylistRead.model_validate(body)  # the documented schema holds
    assert response.headers["etag"] == f'"{body["versao"]}"'
    assert body["tv"] == {
        "codigo": tv.code,
        "nome": tv.name,
        "condominio_id": home.id,
        "condominio_nome": home.name,
        "proporcao_anuncios": 2,
        "proporcao_avisos": 1,
        "proporcao_noticias": 1,
    }
    played = [(item["tipo"], item["id"]) for item in body["itens"]]
    assert played == [
        ("aviso", notice.id),
        ("anuncio", ad1.id),
        ("anuncio", ad2.id),
        ("noticia", news.id),
        ("aviso", notice.id),
        ("anuncio", ad3.id),
        ("anuncio", ad1.id),
        ("noticia", news.id),
    ]
    first_notice, first_ad = body["itens"][0], body["itens"][1]
    assert first_notice["mensagem"] == notice.message
    assert first_notice["titulo"] == notice.name
    assert first_ad == {
        "tipo": "anuncio",
        "id": ad1.id,
        "titulo": ad1.name,
        "archive_url": ad1.archive_url,
        "tipo_midia": "imagem",
        "duracao": 10,
        "thumbnail_url": ad1.thumbnail_url,
    }
    assert body["itens"][3]["titulo"] == news.title
    assert body["itens"][3]["resumo"] == news.summary
    assert body["itens"][3]["fonte"] == "Agência Brasil"
    assert datetime.fromisoformat(body["itens"][3]["publicado_em"]) == t0


async def test_tv_without_eligible_items_gets_an_empty_list(
    client: httpx.AsyncClient, arrange: Arrange
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    response = await content(client, tv.code)
    assert response.status_code == 200
    assert response.json()["itens"] == []


async def test_current_version_in_if_none_match_gives_304_without_body(
    client: httpx.AsyncClient, arrange: Arrange
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    await arrange.news()
    first = await content(client, tv.code)
    etag = first.headers["etag"]

    for header in (etag, f"W/{etag}", f'"outra", {etag}', "*"):
        again = await content(client, tv.code, headers={"If-None-Match": header})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == "public, max-age=30"

    stale = await content(client, tv.code, headers={"If-None-Match": '"velha"'})
    assert stale.status_code == 200
    assert stale.json()["versao"] == first.json()["versao"]


async def test_content_answers_count_as_served(
    client: httpx.AsyncClient, arrange: Arrange
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    before = support.sample_value("expotv_content_served_total") or 0.0
    etag = (await content(client, tv.code)).headers["etag"]
    await content(client, tv.code, headers={"If-None-Match": etag})
    await content(client, "ZZZZZZ")
    assert (support.sample_value("expotv_content_served_total") or 0.0) == before + 2


async def test_cached_content_request_does_no_database_round_trip(
    client: httpx.AsyncClient, arrange: Arrange, statements: StatementLog
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    await arrange.ad(await arrange.condominium())
    first = await content(client, tv.code)
    assert len(statements) > 0

    statements.clear()
    again = await content(client, tv.code)
    not_modified = await content(
        client, tv.code, headers={"If-None-Match": first.headers["etag"]}
    )

    assert again.status_code == 200
    assert again.content == first.content
    assert not_modified.status_code == 304
    assert statements.statements == []


async def test_unknown_code_is_404_and_negatively_cached(
    client: httpx.AsyncClient, arrange: Arrange, statements: StatementLog
) -> None:
    first = await content(client, "QQQQQQ")
    assert first.status_code == 404
    assert first.json()["code"] == "tv_not_found"
    assert len(statements) == 1

    statements.clear()
    again = await content(client, "qqqqqq")
    malformed = await content(client, "not-a-tv-code")
    assert again.status_code == 404
    assert malformed.status_code == 404
    assert statements.statements == []


async def test_created_tv_is_served_at_once_despite_an_earlier_404(
    client: httpx.AsyncClient, arrange: Arrange, app: FastAPI
) -> None:
    from expotv.db import session_scope
    from expotv.playlist.invalidation import content_changed
    from expotv.tvs.models import TV

    condominium = await arrange.condominium()
    assert (await content(client, "WXYZ23")).status_code == 404

    async with session_scope(context_of(app).sessionmaker) as session:
        tv = TV(code="WXYZ23", name="Nova", condominium_id=condominium.id)
        session.add(tv)
        await session.flush()
        content_changed(session, tv_ids=[tv.id])

    assert (await content(client, "WXYZ23")).status_code == 200


async def test_enumerating_unknown_codes_is_rate_limited(
    client: httpx.AsyncClient, arrange: Arrange, app: FastAPI, statements: StatementLog
) -> None:
    tv = await arrange.tv(await arrange.condominium())
    assert (await content(client, tv.code)).status_code == 200
    limit = context_of(app).settings.tv_lookup_rate_per_minute

    codes = [f"Z{n:05d}" for n in range(limit)]
    for code in codes:
        assert (await content(client, code)).status_code == 404

    refused = await content(client, "ZZZZZ9")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # From now on refused before the database: no query storm.
    statements.clear()
    assert (await content(client, "YYYYY9")).status_code == 429
    assert statements.statements == []
    # A TV already cached keeps playing, and so does one it was playing whose
    # playlist changed meanwhile (a cache miss: the database is asked).
    assert (await content(client, tv.code)).status_code == 200
    await context_of(app).playlists.invalidate([tv.code])
    assert (await content(client, tv.code)).status_code == 200
    # Pings of unknown codes are lookups too.
    assert (await client.post("/app/tv/YYYYY8/ping")).status_code == 429


async def test_item_expiry_changes_the_playlist_and_bounds_the_cache_entry(
    app: FastAPI, arrange: Arrange
) -> None:
    playlists: PlaylistService = context_of(app).playlists
    condominium = await arrange.condominium()
    tv = await arrange.tv(condominium)
    now = utcnow()
    expiry = in_minutes(10, now)
    await arrange.ad(condominium)
    await arrange.notice(condominium, expires_at=expiry)

    before = await playlists.get(tv.code, client="test", now=now)
    assert before.entry.valid_until == expiry.timestamp()
    # Served from the cache until the expiry...
    cached = await playlists.get(
        tv.code, client="test", now=expiry - timedelta(seconds=1)
    )
    assert cached.entry == before.entry
    # ...then rebuilt without the expired aviso.
    after = await playlists.get(tv.code, client="test", now=expiry)
    assert after.entry.version != before.entry.version
    assert b'"aviso"' in before.entry.body
    assert b'"aviso"' not in after.entry.body


async def test_cache_entries_expire_after_the_configured_time(
    app: FastAPI, arrange: Arrange
) -> None:
    playlists: PlaylistService = context_of(app).playlists
    tv = await arrange.tv(await arrange.condominium())
    now = utcnow()
    served = await playlists.get(tv.code, client="test", now=now)
    seconds = context_of(app).settings.playlist_cache_seconds
    assert served.entry.valid_until == now.timestamp() + seconds
