"""Every change that affects a TV's playlist changes exactly the affected TVs' versao.

Changes go through the HTTP API; the playlists are warmed (cached) before, so a
versao that did not change proves the cache entry was not dropped needlessly, and
one that changed proves it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from expotv.condominiums.models import Condominium
from expotv.context import context_of
from expotv.db import utcnow
from expotv.jobs.expiry import expire_content
from expotv.tvs.models import TV
from tests.integration.playback.conftest import (
    Arrange,
    content,
    png_bytes,
    version_of,
)


@dataclass
class Setup:
    condo_a: Condominium
    condo_b: Condominium
    a1: TV
    a2: TV
    b1: TV

    @property
    def codes(self) -> list[str]:
        return [self.a1.code, self.a2.code, self.b1.code]


@pytest.fixture
async def setup(arrange: Arrange) -> Setup:
    condo_a = await arrange.condominium()
    condo_b = await arrange.condominium()
    result = Setup(
        condo_a=condo_a,
        condo_b=condo_b,
        a1=await arrange.tv(condo_a),
        a2=await arrange.tv(condo_a),
        b1=await arrange.tv(condo_b),
    )
    await arrange.ad(condo_a)
    await arrange.notice(condo_b)
    await arrange.news()
    return result


async def versions(client: httpx.AsyncClient, setup: Setup) -> dict[str, str]:
    return {code: await version_of(client, code) for code in setup.codes}


async def changed(
    client: httpx.AsyncClient, setup: Setup, before: dict[str, str]
) -> set[str]:
    after = await versions(client, setup)
    return {code for code in setup.codes if after[code] != before[code]}


async def create_ad(
    client: httpx.AsyncClient, headers: dict[str, str], *condos: Condominium
) -> int:
    response = await client.post(
        "/anuncios",
        data={"nome": "Promoção", "condominios_ids": [str(c.id) for c in condos]},
        files={"arquivo": ("foto.png", png_bytes(), "image/png")},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    ad_id: int = response.json()["id"]
    return ad_id


async def test_anuncio_create_update_retarget_and_delete_change_only_targeted_tvs(
    client: httpx.AsyncClient, setup: Setup, admin_headers: dict[str, str]
) -> None:
    a1, a2, b1 = setup.a1.code, setup.a2.code, setup.b1.code
    before = await versions(client, setup)
    ad_id = await create_ad(client, admin_headers, setup.condo_a)
    assert await changed(client, setup, before) == {a1, a2}

    before = await versions(client, setup)
    response = await client.put(
        f"/anuncios/{ad_id}", json={"nome": "Promoção nova"}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert await changed(client, setup, before) == {a1, a2}

    before = await versions(client, setup)
    response = await client.put(
        f"/anuncios/{ad_id}",
        json={"condominios_ids": [setup.condo_b.id]},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    assert await changed(client, setup, before) == {a1, a2, b1}

    before = await versions(client, setup)
    response = await client.delete(f"/anuncios/{ad_id}", headers=admin_headers)
    assert response.status_code == 204
    assert await changed(client, setup, before) == {b1}


async def test_anuncio_deactivated_leaves_the_playlist(
    client: httpx.AsyncClient, setup: Setup, admin_headers: dict[str, str]
) -> None:
    ad_id = await create_ad(client, admin_headers, setup.condo_b)
    body = (await content(client, setup.b1.code)).json()
    assert ad_id in {item["id"] for item in body["itens"] if item["tipo"] == "anuncio"}

    before = await versions(client, setup)
    response = await client.put(
        f"/anuncios/{ad_id}", json={"status": "inativo"}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert await changed(client, setup, before) == {setup.b1.code}
    body = (await content(client, setup.b1.code)).json()
    assert ad_id not in {item["id"] for item in body["itens"]}


async def test_aviso_changes_only_its_condominios_tvs(
    client: httpx.AsyncClient, setup: Setup, admin_headers: dict[str, str]
) -> None:
    before = await versions(client, setup)
    response = await client.post(
        "/avisos",
        json={
            "nome": "Manutenção",
            "mensagem": "Elevador parado amanhã",
            "condominios_ids": [setup.condo_b.id],
        },
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    notice_id = response.json()["id"]
    assert await changed(client, setup, before) == {setup.b1.code}
    body = (await content(client, setup.b1.code)).json()
    notice = next(
        item
        for item in body["itens"]
        if item["tipo"] == "aviso" and item["id"] == notice_id
    )
    assert notice["mensagem"] == "Elevador parado amanhã"

    before = await versions(client, setup)
    response = await client.put(
        f"/avisos/{notice_id}",
        json={"mensagem": "Elevador volta amanhã"},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    assert await changed(client, setup, before) == {setup.b1.code}

    before = await versions(client, setup)
    response = await client.delete(f"/avisos/{notice_id}", headers=admin_headers)
    assert response.status_code == 204
    assert await changed(client, setup, before) == {setup.b1.code}


async def test_noticia_changes_every_tv(
    client: httpx.AsyncClient, setup: Setup, admin_headers: dict[str, str]
) -> None:
    before = await versions(client, setup)
    response = await client.post(
        "/noticias", json={"titulo": "Chuva forte"}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    news_id = response.json()["id"]
    assert await changed(client, setup, before) == set(setup.codes)

    before = await versions(client, setup)
    response = await client.delete(f"/noticias/{news_id}", headers=admin_headers)
    assert response.status_code == 204
    assert await changed(client, setup, before) == set(setup.codes)


async def test_tv_changes_affect_only_that_tv(
    client: httpx.AsyncClient, setup: Setup, admin_headers: dict[str, str]
) -> None:
    a1 = setup.a1
    before = await versions(client, setup)
    response = await client.put(
        f"/tvs/{a1.id}/proporcao",
        json={
            "proporcao_anuncios": 2,
            "proporcao_avisos": 0,
            "proporcao_noticias": 1,
        },
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    assert await changed(client, setup, before) == {a1.code}
    assert (await content(client, a1.code)).json()["tv"]["proporcao_anuncios"] == 2

    before = await versions(client, setup)
    response = await client.put(
        f"/tvs/{a1.id}", json={"nome": "Portaria"}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert await changed(client, setup, before) == {a1.code}

    # Moved to condomínio B: it now plays B's aviso, not A's anúncio.
    before = await versions(client, setup)
    response = await client.put(
        f"/tvs/{a1.id}",
        json={"condominio_id": setup.condo_b.id, "proporcao_avisos": 1},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    assert await changed(client, setup, before) == {a1.code}
    kinds = {item["tipo"] for item in (await content(client, a1.code)).json()["itens"]}
    assert kinds == {"aviso", "noticia"}


async def test_deleted_tv_is_unknown_at_once(
    client: httpx.AsyncClient, setup: Setup, admin_headers: dict[str, str]
) -> None:
    before = await versions(client, setup)
    response = await client.delete(f"/tvs/{setup.a1.id}", headers=admin_headers)
    assert response.status_code == 204
    assert (await content(client, setup.a1.code)).status_code == 404
    assert await version_of(client, setup.a2.code) == before[setup.a2.code]
    assert await version_of(client, setup.b1.code) == before[setup.b1.code]


async def test_new_tv_gets_its_playlist(
    client: httpx.AsyncClient, setup: Setup, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/tvs",
        json={"nome": "Academia", "condominio_id": setup.condo_a.id},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    code = response.json()["codigo"]
    body = (await content(client, code)).json()
    assert body["tv"]["nome"] == "Academia"
    assert {item["tipo"] for item in body["itens"]} == {"anuncio", "noticia"}


async def test_condominio_deleted_with_force_removes_its_tvs(
    client: httpx.AsyncClient, setup: Setup, admin_headers: dict[str, str]
) -> None:
    before = await versions(client, setup)
    response = await client.delete(
        f"/condominios/{setup.condo_a.id}",
        params={"force": "true"},
        headers=admin_headers,
    )
    assert response.status_code == 204, response.text
    assert (await content(client, setup.a1.code)).status_code == 404
    assert (await content(client, setup.a2.code)).status_code == 404
    assert await version_of(client, setup.b1.code) == before[setup.b1.code]


async def test_condominio_renamed_changes_its_tvs_playlists(
    client: httpx.AsyncClient, setup: Setup, admin_headers: dict[str, str]
) -> None:
    before = await versions(client, setup)
    response = await client.put(
        f"/condominios/{setup.condo_a.id}",
        json={"nome": "Residencial Aurora"},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    assert await changed(client, setup, before) == {setup.a1.code, setup.a2.code}
    body = (await content(client, setup.a1.code)).json()
    assert body["tv"]["condominio_nome"] == "Residencial Aurora"


async def test_expiry_job_changes_only_the_expired_items_tvs(
    client: httpx.AsyncClient, setup: Setup, arrange: Arrange, app: FastAPI
) -> None:
    soon = utcnow() + timedelta(minutes=5)
    await arrange.ad(setup.condo_b, expires_at=soon)
    before = await versions(client, setup)

    await expire_content(
        context_of(app).sessionmaker,
        context_of(app).settings,
        now=soon + timedelta(seconds=1),
    )

    assert await changed(client, setup, before) == {setup.b1.code}
