"""Emergency avisos (``emergencia``): who may raise one, the log, the takeover.

The takeover across three instances is ``tests/multi/test_cluster.py``'s.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from expotv.tvs.codes import generate_code
from expotv.tvs.models import TV
from tests.integration.items.helpers import World
from tests.integration.notices.test_router import post_notice
from tests.support import Factory


async def content(client: httpx.AsyncClient, tv: TV) -> dict[str, Any]:
    response = await client.get(f"/app/tv/{tv.code}/content")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def emergency_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "expotv.notices.kind"]


async def test_a_sindico_raises_an_emergency_in_its_condominium_and_it_is_logged(
    client: httpx.AsyncClient,
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="expotv.notices.kind"):
        notice = await post_notice(
            client,
            world.a_headers,
            [world.condo_a.id],
            nome="URGENTE: vazamento de gás",
            emergencia=True,
        )
    assert notice["emergencia"] is True
    [record] = emergency_records(caplog)
    assert record.levelno == logging.INFO
    assert record.getMessage() == "aviso de emergência criado"
    fields = record.__dict__
    assert fields["aviso_id"] == notice["id"]
    assert fields["usuario_id"] == world.manager_a.id
    assert fields["usuario_email"] == world.manager_a.email
    assert fields["usuario_nivel"] == "Sindico"
    assert fields["condominios_ids"] == [world.condo_a.id]

    # A plain aviso is not logged as one.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="expotv.notices.kind"):
        plain = await post_notice(client, world.a_headers, [world.condo_a.id])
    assert plain["emergencia"] is False
    assert emergency_records(caplog) == []


async def test_a_refused_emergency_is_not_logged(
    client: httpx.AsyncClient,
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="expotv.notices.kind"):
        refused = await client.post(
            "/avisos",
            json={
                "nome": "Gás",
                "mensagem": "Saiam do prédio",
                "condominios_ids": [world.condo_b.id],
                "emergencia": True,
            },
            headers=world.a_headers,
        )
    # Another síndico's condomínio: as any target it may not write to.
    assert refused.status_code == 404
    assert refused.json()["code"] == "condominium_not_found"
    assert emergency_records(caplog) == []


async def test_a_sindico_cannot_turn_on_an_emergency_reaching_another_condominium(
    client: httpx.AsyncClient,
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    notice = await post_notice(client, world.a_headers, [world.condo_a.id])
    # The Master extends síndico A's aviso to B.
    extended = await client.put(
        f"/avisos/{notice['id']}",
        json={"condominios_ids": [world.condo_a.id, world.condo_b.id]},
        headers=world.admin_headers,
    )
    assert extended.status_code == 200

    refused = await client.put(
        f"/avisos/{notice['id']}",
        json={"emergencia": True},
        headers=world.a_headers,
    )
    assert refused.status_code == 404, refused.text

    with caplog.at_level(logging.INFO, logger="expotv.notices.kind"):
        allowed = await client.put(
            f"/avisos/{notice['id']}",
            json={"emergencia": True},
            headers=world.admin_headers,
        )
    assert allowed.status_code == 200
    assert allowed.json()["emergencia"] is True
    [record] = emergency_records(caplog)
    assert record.getMessage() == "aviso de emergência ativado"
    assert record.__dict__["usuario_id"] == world.admin.id


async def test_an_emergency_takes_the_tv_over_until_it_is_deleted(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    tv = await factory.add(
        TV(code=generate_code(), name="Hall", condominium_id=world.condo_a.id)
    )
    other_tv = await factory.add(
        TV(code=generate_code(), name="Hall B", condominium_id=world.condo_b.id)
    )
    await post_notice(client, world.a_headers, [world.condo_a.id], nome="Festa")
    before = await content(client, tv)
    assert before["modo"] == "normal"
    untouched = await content(client, other_tv)

    alarm = await post_notice(
        client,
        world.a_headers,
        [world.condo_a.id],
        nome="URGENTE: vazamento de gás",
        emergencia=True,
    )
    during = await content(client, tv)
    assert during["modo"] == "emergencia"
    assert [(i["tipo"], i["id"], i["emergencia"]) for i in during["itens"]] == [
        ("aviso", alarm["id"], True)
    ]
    assert during["versao"] != before["versao"]
    assert (await content(client, other_tv))["versao"] == untouched["versao"]

    # The management view says why the rest is out.
    overview = await client.get(f"/tvs/{tv.id}/playlist", headers=world.a_headers)
    assert overview.json()["modo"] == "emergencia"
    assert {entry["motivo"] for entry in overview.json()["fora"]} == {"emergencia"}

    deleted = await client.delete(f"/avisos/{alarm['id']}", headers=world.a_headers)
    assert deleted.status_code == 204
    after = await content(client, tv)
    assert after["modo"] == "normal"
    assert after["versao"] == before["versao"]


async def test_switching_an_emergency_off_ends_the_takeover(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    tv = await factory.add(
        TV(code=generate_code(), name="Hall", condominium_id=world.condo_a.id)
    )
    alarm = await post_notice(
        client, world.a_headers, [world.condo_a.id], emergencia=True
    )
    assert (await content(client, tv))["modo"] == "emergencia"
    for change, mode in (
        ({"status": "inativo"}, "normal"),
        ({"status": "ativo"}, "emergencia"),
        ({"emergencia": False}, "normal"),
    ):
        response = await client.put(
            f"/avisos/{alarm['id']}", json=change, headers=world.a_headers
        )
        assert response.status_code == 200, response.text
        assert (await content(client, tv))["modo"] == mode, change
