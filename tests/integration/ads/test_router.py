"""What only anúncios do: the advertiser fields and the required file.

Everything anúncios share with avisos is tested once for both kinds in
``tests/integration/items/test_router.py``.
"""

from __future__ import annotations

from typing import Any

import httpx

from expotv.config import Settings
from tests.integration.items.helpers import (
    AD,
    World,
    browser_form,
    png_file,
    stored_path,
)


async def test_multipart_create_answers_the_contract_shape(
    client: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    ad = await AD.post(
        client,
        world.a_headers,
        [world.condo_a.id, world.condo_a2.id],
        nome="Pizzaria do Bairro",
        numero_anunciante="(11) 99999-0000",
        nome_anunciante="José",
    )

    assert set(ad) >= {
        "id",
        "nome",
        "condominios_ids",
        "numero_anunciante",
        "nome_anunciante",
        "status",
        "data_expiracao",
        "archive_url",
        "duracao",
        "tipo_midia",
        "criado_por_id",
        "created_at",
        "updated_at",
        "thumbnail_url",
        "erro_midia",
    }
    assert ad["nome"] == "Pizzaria do Bairro"
    assert ad["numero_anunciante"] == "(11) 99999-0000"
    assert ad["nome_anunciante"] == "José"
    # An image plays for 10 s unless told otherwise.
    assert ad["duracao"] == 10
    assert stored_path(settings, ad["archive_url"]).is_file()


async def test_a_json_create_is_refused_because_the_file_is_required(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        "/anuncios",
        json={"nome": "Sem arquivo", "condominios_ids": [world.condo_a.id]},
        headers=world.admin_headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "arquivo"]
    assert response.json()["code"] == "ad_media_required"
    assert response.json()["detail"][0]["msg"] == (
        "envie o arquivo do anúncio (campo arquivo, multipart/form-data)"
    )


async def test_empty_multipart_values_clear_the_advertiser_fields(
    client: httpx.AsyncClient, world: World
) -> None:
    ad = await AD.post(
        client,
        world.admin_headers,
        [world.condo_a.id],
        numero_anunciante="(11) 3333-4444",
    )

    body, content_type = browser_form(
        {"nome_anunciante": "", "numero_anunciante": ""}, "arquivo"
    )
    response = await client.put(
        f"/anuncios/{ad['id']}",
        content=body,
        headers={**world.admin_headers, "Content-Type": content_type},
    )

    assert response.status_code == 200, response.text
    assert response.json()["nome_anunciante"] == ""
    assert response.json()["numero_anunciante"] == ""
    assert response.json()["archive_url"] == ad["archive_url"]


async def test_the_media_can_not_be_removed_only_replaced(
    client: httpx.AsyncClient, world: World
) -> None:
    ad = await AD.post(client, world.admin_headers, [world.condo_a.id])
    fields: dict[str, Any] = {"arquivo": (None, "")}

    response = await client.put(
        f"/anuncios/{ad['id']}", files=fields, headers=world.admin_headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["archive_url"] == ad["archive_url"]
    replaced = await client.put(
        f"/anuncios/{ad['id']}", files=png_file("blue"), headers=world.admin_headers
    )
    assert replaced.json()["archive_url"] != ad["archive_url"]
