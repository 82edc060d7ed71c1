"""TVs that play the same thing share one build: their condomínio's items are loaded
once, the lineup evaluated and serialized once, and each TV adds only its head.
TVs targeted differently (proportions, ``tvs_ids``) get builds of their own."""

from __future__ import annotations

import asyncio
import json

import httpx
from fastapi import FastAPI

from expotv.ads.models import Ad
from expotv.context import context_of
from expotv.playlist.builder import playlist_version
from expotv.playlist.service import PlaylistService
from expotv.tvs.models import TV
from tests.integration.playback.conftest import Arrange, StatementLog, content


def playlists_of(app: FastAPI) -> PlaylistService:
    return context_of(app).playlists


async def bodies(client: httpx.AsyncClient, tvs: list[TV]) -> list[dict[str, object]]:
    """The content of every TV, asked for at the same time (as after a nudge)."""
    responses = await asyncio.gather(*(content(client, tv.code) for tv in tvs))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    return [r.json() for r in responses]


async def test_the_tvs_of_a_condominium_share_one_build(
    app: FastAPI, client: httpx.AsyncClient, arrange: Arrange, statements: StatementLog
) -> None:
    condominium = await arrange.condominium()
    tvs = [await arrange.tv(condominium) for _ in range(6)]
    for _ in range(3):
        await arrange.ad(condominium)
    await arrange.notice(condominium)
    await arrange.news()
    before = playlists_of(app).loader.shared_builds
    statements.clear()

    found = await bodies(client, tvs)

    assert playlists_of(app).loader.shared_builds - before == 1
    # One query for the six TV rows and one set for the items: not one per TV.
    assert len(statements) <= 6, statements.statements
    assert {json.dumps(body["itens"]) for body in found} == {
        json.dumps(found[0]["itens"])
    }
    assert [body["tv"]["codigo"] for body in found] == [tv.code for tv in tvs]  # type: ignore[index]
    assert len({body["versao"] for body in found}) == len(tvs)


async def test_each_tv_keeps_its_own_head_and_versao(
    client: httpx.AsyncClient, arrange: Arrange
) -> None:
    condominium = await arrange.condominium(name="Edifício Aurora")
    tvs = [
        await arrange.tv(condominium, name="Hall"),
        await arrange.tv(condominium, name="Academia"),
    ]
    await arrange.ad(condominium)

    for tv, body in zip(tvs, await bodies(client, tvs), strict=True):
        assert body["tv"] == {
            "codigo": tv.code,
            "nome": tv.name,
            "condominio_id": condominium.id,
            "condominio_nome": "Edifício Aurora",
            "proporcao_anuncios": tv.ad_ratio,
            "proporcao_avisos": tv.notice_ratio,
            "proporcao_noticias": tv.news_ratio,
        }
        assert list(body) == [
            "tv",
            "versao",
            "gerado_em",
            "valido_ate",
            "modo",
            "itens",
        ]
        assert body["versao"] == playlist_version(
            body["tv"],  # type: ignore[arg-type]
            body["itens"],  # type: ignore[arg-type]
        )


async def test_other_proportions_are_another_build(
    app: FastAPI, client: httpx.AsyncClient, arrange: Arrange
) -> None:
    condominium = await arrange.condominium()
    same = [await arrange.tv(condominium) for _ in range(3)]
    other = await arrange.tv(condominium, ad_ratio=3, notice_ratio=1, news_ratio=0)
    for _ in range(3):
        await arrange.ad(condominium)
    await arrange.news()
    before = playlists_of(app).loader.shared_builds

    found = await bodies(client, [*same, other])

    assert playlists_of(app).loader.shared_builds - before == 2
    assert [i["tipo"] for i in found[-1]["itens"]] == ["anuncio"] * 3  # type: ignore[union-attr]
    assert "noticia" in {i["tipo"] for i in found[0]["itens"]}  # type: ignore[union-attr]


async def test_an_item_limited_to_one_tv_makes_that_tv_a_build_of_its_own(
    app: FastAPI, client: httpx.AsyncClient, arrange: Arrange
) -> None:
    condominium = await arrange.condominium()
    tvs = [await arrange.tv(condominium) for _ in range(3)]
    await arrange.ad(condominium)
    limited = await arrange.ad(condominium)
    async with arrange.sessionmaker() as session:
        await session.execute(
            Ad.tv_link.insert().values(ad_id=limited.id, tv_id=tvs[0].id)
        )
        await session.commit()
    before = playlists_of(app).loader.shared_builds

    found = await bodies(client, tvs)

    assert playlists_of(app).loader.shared_builds - before == 2
    ids = [{i["id"] for i in body["itens"]} for body in found]  # type: ignore[union-attr]
    assert limited.id in ids[0]
    assert limited.id not in ids[1]
    assert ids[1] == ids[2]


async def test_a_news_change_reaches_every_tv_with_one_build_per_group(
    app: FastAPI,
    client: httpx.AsyncClient,
    arrange: Arrange,
    admin_headers: dict[str, str],
) -> None:
    first = await arrange.condominium()
    second = await arrange.condominium()
    tvs = [await arrange.tv(c) for c in (first, second) for _ in range(4)]
    await arrange.ad(first)
    await arrange.ad(second)
    old = {b["tv"]["codigo"]: b["versao"] for b in await bodies(client, tvs)}  # type: ignore[index]
    before = playlists_of(app).loader.shared_builds

    created = await client.post(
        "/noticias", json={"titulo": "Chuva forte"}, headers=admin_headers
    )
    assert created.status_code == 201, created.text
    found = await bodies(client, tvs)

    assert playlists_of(app).loader.shared_builds - before == 2
    for body in found:
        assert body["versao"] != old[body["tv"]["codigo"]]  # type: ignore[index]
        assert "Chuva forte" in {i["titulo"] for i in body["itens"]}  # type: ignore[union-attr]
