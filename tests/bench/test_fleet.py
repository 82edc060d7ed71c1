"""``bench.fleet`` fills a fleet the service serves as if made through the API."""

from __future__ import annotations

import httpx
from bench.fleet import FleetSpec, fill
from fastapi import FastAPI

from expotv.config import Settings
from expotv.context import context_of

SPEC = FleetSpec(tvs=12, tvs_per_condominium=2, condominiums_per_manager=5)


async def _token(client: httpx.AsyncClient, email: str, password: str) -> str:
    response = await client.post(
        "/auth/login", json={"email": email, "senha": password}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_a_sindico_sees_a_full_page_of_their_condominiums_ads(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    fleet = await fill(settings, SPEC)
    token = await _token(client, fleet.managers[0], fleet.password)

    response = await client.get(
        "/anuncios?limit=50", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 200
    page = response.json()
    assert len(page["items"]) == 50
    assert page["total"] == 5 * SPEC.ads_per_condominium
    targets = {c for item in page["items"] for c in item["condominios_ids"]}
    assert targets <= set(fleet.managed[0])
    await context_of(app).playlists.drain()


async def test_every_tv_plays_its_condominiums_items_with_real_pictures(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    fleet = await fill(settings, SPEC)

    response = await client.get(f"/app/tv/{fleet.codes[-1]}/content")

    assert response.status_code == 200
    items = response.json()["itens"]
    kinds = {(item["tipo"], item["id"]) for item in items}
    assert sum(1 for kind, _ in kinds if kind == "anuncio") == SPEC.ads_per_condominium
    assert (
        sum(1 for kind, _ in kinds if kind == "aviso") == SPEC.notices_per_condominium
    )
    assert sum(1 for kind, _ in kinds if kind == "noticia") == SPEC.news
    picture = next(item for item in items if item["tipo"] == "anuncio")
    media = await client.get(picture["archive_url"])
    assert media.status_code == 200
    assert media.content.startswith(b"\x89PNG")
    assert len(fleet.codes) == len(set(fleet.codes)) == SPEC.tvs
    await context_of(app).playlists.drain()
