from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.notices.models import Notice
from expotv.users.models import Role
from tests.integration.ads.helpers import (
    World,
    browser_form,
    png_file,
    set_columns,
    stored_path,
)
from tests.support import Factory


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


async def test_notice_levels_and_visibility(
    client: httpx.AsyncClient, world: World
) -> None:
    notice = await post_notice(client, world.a_headers, [world.condo_a.id])
    by_admin = await post_notice(client, world.admin_headers, [world.condo_a.id])
    url = f"/avisos/{notice['id']}"

    assert (await client.get(url, headers=world.b_headers)).status_code == 404
    assert (
        await client.put(url, json={"nome": "x"}, headers=world.b_headers)
    ).status_code == 404
    assert (await client.get(url, headers=world.viewer_headers)).status_code == 200
    assert (
        await client.put(url, json={"nome": "x"}, headers=world.viewer_headers)
    ).status_code == 403
    assert (await client.delete(url, headers=world.viewer_headers)).status_code == 403
    await post_notice(client, world.viewer_headers, [world.condo_a.id], expect=403)
    await post_notice(client, world.a_headers, [world.condo_b.id], expect=404)
    # Visible to A, but not created by A.
    other = f"/avisos/{by_admin['id']}"
    assert (
        await client.put(other, json={"nome": "x"}, headers=world.a_headers)
    ).status_code == 403

    listing = await client.get("/avisos", headers=world.viewer_headers)
    assert listing.json()["total"] == 2
    assert (await client.get("/avisos", headers=world.b_headers)).json()["total"] == 0

    assert (await client.delete(url, headers=world.a_headers)).status_code == 204
    assert (await client.get(url, headers=world.a_headers)).status_code == 404


async def test_notice_list_filters_and_expiry_on_read(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    water = await post_notice(
        client, world.admin_headers, [world.condo_a.id], nome="Água"
    )
    gas = await post_notice(client, world.admin_headers, [world.condo_b.id], nome="Gás")
    await set_columns(
        factory, Notice, gas["id"], expires_at=datetime.now(UTC) - timedelta(days=1)
    )

    async def ids(**params: Any) -> list[int]:
        response = await client.get(
            "/avisos", params=params, headers=world.admin_headers
        )
        assert response.status_code == 200
        return [n["id"] for n in response.json()["items"]]

    assert await ids() == [water["id"], gas["id"]]
    assert await ids(status="expirado") == [gas["id"]]
    assert await ids(status="ativo") == [water["id"]]
    assert await ids(condominio_id=world.condo_b.id) == [gas["id"]]
    assert await ids(q="gua") == [water["id"]]

    # Moving the expiry to the future brings it back.
    revived = await client.put(
        f"/avisos/{gas['id']}",
        json={"data_expiracao": (datetime.now(UTC) + timedelta(days=1)).isoformat()},
        headers=world.admin_headers,
    )
    assert revived.json()["status"] == "ativo"


async def test_notice_quota_and_its_race(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER, notice_limit=1)
    headers = await factory.headers(manager)
    await set_columns(factory, Condominium, world.condo_a2.id, manager_id=manager.id)

    results = await asyncio.gather(
        client.post(
            "/avisos",
            json={"nome": "1", "mensagem": "m", "condominios_ids": [world.condo_a2.id]},
            headers=headers,
        ),
        client.post(
            "/avisos",
            json={"nome": "2", "mensagem": "m", "condominios_ids": [world.condo_a2.id]},
            headers=headers,
        ),
    )

    assert sorted(r.status_code for r in results) == [201, 403]
    refused = next(r for r in results if r.status_code == 403)
    assert refused.json()["detail"] == "limite de avisos atingido (1)"
