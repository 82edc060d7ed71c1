"""What only avisos do: the text, the síndicos who sign, the optional file.

Everything avisos share with anúncios is tested once for both kinds in
``tests/integration/items/test_router.py``.
"""

from __future__ import annotations

from typing import Any

import httpx

from expotv.config import Settings
from tests.integration.items.helpers import (
    World,
    browser_form,
    png_file,
    stored_path,
)


async def post_notice(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    condominium_ids: list[int],
    *,
    expect: int = 201,
    **fields: Any,
) -> dict[str, Any]:
    body = {
        "nome": "Manutenção",
        "mensagem": "A água será cortada amanhã das 8h às 12h.",
        "condominios_ids": condominium_ids,
        **fields,
    }
    response = await client.post("/avisos", json=body, headers=headers)
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_json_create_without_a_file_uses_the_defaults(
    client: httpx.AsyncClient, world: World
) -> None:
    notice = await post_notice(client, world.a_headers, [world.condo_a.id])

    assert set(notice) >= {
        "id",
        "nome",
        "condominios_ids",
        "sindico_ids",
        "status",
        "data_expiracao",
        "archive_url",
        "tipo_midia",
        "mensagem",
        "duracao",
        "criado_por_id",
        "created_at",
        "updated_at",
        "thumbnail_url",
        "erro_midia",
    }
    assert notice["mensagem"] == "A água será cortada amanhã das 8h às 12h."
    assert notice["archive_url"] is None
    assert notice["tipo_midia"] is None
    assert notice["thumbnail_url"] is None
    assert notice["duracao"] == 15
    assert notice["status"] == "ativo"
    # A Síndico signs its own notices by default.
    assert notice["sindico_ids"] == [world.manager_a.id]
    assert notice["criado_por_id"] == world.manager_a.id


async def test_a_masters_notice_is_signed_by_the_targets_sindicos(
    client: httpx.AsyncClient, world: World
) -> None:
    notice = await post_notice(
        client, world.admin_headers, [world.condo_a.id, world.condo_b.id]
    )
    assert notice["sindico_ids"] == sorted([world.manager_a.id, world.manager_b.id])

    # Others see only the síndicos of condomínios they see.
    url = f"/avisos/{notice['id']}"
    seen_by_a = (await client.get(url, headers=world.a_headers)).json()
    assert seen_by_a["sindico_ids"] == [world.manager_a.id]
    assert seen_by_a["condominios_ids"] == [world.condo_a.id]
    seen_by_viewer = (await client.get(url, headers=world.viewer_headers)).json()
    assert seen_by_viewer["sindico_ids"] == [world.manager_a.id]


async def test_explicit_signers_must_be_sindicos_the_caller_may_name(
    client: httpx.AsyncClient, world: World
) -> None:
    not_a_sindico = await post_notice(
        client,
        world.admin_headers,
        [world.condo_a.id],
        sindico_ids=[world.viewer_a.id],
        expect=422,
    )
    assert not_a_sindico["detail"][0]["loc"] == ["body", "sindico_ids"]
    await post_notice(
        client,
        world.admin_headers,
        [world.condo_a.id],
        sindico_ids=[999999],
        expect=422,
    )
    # A Síndico may not sign for another tenant's síndico.
    await post_notice(
        client,
        world.a_headers,
        [world.condo_a.id],
        sindico_ids=[world.manager_b.id],
        expect=422,
    )
    chosen = await post_notice(
        client,
        world.admin_headers,
        [world.condo_a.id],
        sindico_ids=[world.manager_b.id],
    )
    assert chosen["sindico_ids"] == [world.manager_b.id]
    unsigned = await post_notice(
        client, world.admin_headers, [world.condo_a.id], sindico_ids=[]
    )
    assert unsigned["sindico_ids"] == []


async def test_mensagem_is_required_and_limited(
    client: httpx.AsyncClient, world: World
) -> None:
    for message, expected in (("", 422), (" ", 422), ("x" * 2001, 422)):
        response = await client.post(
            "/avisos",
            json={
                "nome": "Aviso",
                "mensagem": message,
                "condominios_ids": [world.condo_a.id],
            },
            headers=world.admin_headers,
        )
        assert response.status_code == expected
        assert response.json()["detail"][0]["loc"][:2] == ["body", "mensagem"]
    missing = await client.post(
        "/avisos",
        json={"nome": "Aviso", "condominios_ids": [world.condo_a.id]},
        headers=world.admin_headers,
    )
    assert missing.status_code == 422
    empty_targets = await client.post(
        "/avisos",
        json={"nome": "Aviso", "mensagem": "m", "condominios_ids": []},
        headers=world.admin_headers,
    )
    assert empty_targets.status_code == 422
    assert empty_targets.json()["detail"][0]["loc"][:2] == ["body", "condominios_ids"]
    as_text = await client.post(
        "/avisos",
        json={"nome": "Aviso", "mensagem": "m", "condominios_ids": "1,2"},
        headers=world.admin_headers,
    )
    assert as_text.status_code == 422


async def test_multipart_notice_with_media_and_its_removal(
    client: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    response = await client.post(
        "/avisos",
        data={
            "nome": "Festa junina",
            "mensagem": "Sábado no salão.",
            "condominios_ids": [str(world.condo_a.id), str(world.condo_a2.id)],
            "duracao": "20",
        },
        files=png_file(),
        headers=world.a_headers,
    )
    assert response.status_code == 201, response.text
    notice = response.json()
    assert notice["tipo_midia"] == "imagem"
    assert notice["duracao"] == 20
    assert notice["condominios_ids"] == [world.condo_a.id, world.condo_a2.id]
    path = stored_path(settings, notice["archive_url"])
    assert path.is_file()

    # An empty file input (what a browser sends) changes nothing...
    body, content_type = browser_form({"mensagem": "Sábado, às 18h."}, "arquivo")
    kept = await client.put(
        f"/avisos/{notice['id']}",
        content=body,
        headers={**world.a_headers, "Content-Type": content_type},
    )
    assert kept.status_code == 200, kept.text
    assert kept.json()["archive_url"] == notice["archive_url"]
    assert kept.json()["mensagem"] == "Sábado, às 18h."

    # ...an empty `arquivo` value removes the media.
    removed = await client.put(
        f"/avisos/{notice['id']}",
        files={"arquivo": (None, "")},
        headers=world.a_headers,
    )
    assert removed.status_code == 200, removed.text
    assert removed.json()["archive_url"] is None
    assert removed.json()["tipo_midia"] is None
    assert removed.json()["thumbnail_url"] is None
    assert not path.exists()


async def test_partial_update_keeps_signers_and_replaces_visible_ones(
    client: httpx.AsyncClient, world: World
) -> None:
    notice = await post_notice(
        client, world.admin_headers, [world.condo_a.id, world.condo_b.id]
    )
    url = f"/avisos/{notice['id']}"

    renamed = await client.put(
        url,
        json={"nome": "Novo nome", "status": "inativo"},
        headers=world.admin_headers,
    )
    assert renamed.status_code == 200
    assert renamed.json()["sindico_ids"] == notice["sindico_ids"]
    assert renamed.json()["status"] == "inativo"
    assert renamed.json()["mensagem"] == notice["mensagem"]

    cleared = await client.put(
        url, files={"sindico_ids": (None, "")}, headers=world.admin_headers
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["sindico_ids"] == []
