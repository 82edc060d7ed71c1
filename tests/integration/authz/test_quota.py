"""A Síndico's quotas: 403 naming the limit, counting only its own live items.

Each world starts with sA managing A and having created one anúncio and one
aviso; the Master's shared items target A too but are not sA's.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from expotv.ads.models import Ad
from expotv.content import ContentStatus
from expotv.context import context_of
from expotv.db import utcnow
from expotv.notices.models import Notice
from expotv.users.models import User
from expotv.users.schemas import Level
from tests.integration.authz.conftest import World, png_bytes


async def _set_limits(app: FastAPI, user: User, **limits: int) -> None:
    async with context_of(app).sessionmaker() as session:
        await session.execute(update(User).where(User.id == user.id).values(**limits))
        await session.commit()


async def _create_ad(
    client: httpx.AsyncClient, world: World, level: Level, condo: int
) -> httpx.Response:
    return await client.post(
        "/anuncios",
        headers=world.headers[level],
        data={"nome": "Mais um", "condominios_ids": str(condo)},
        files={"arquivo": ("q.png", png_bytes(), "image/png")},
    )


async def _create_notice(
    client: httpx.AsyncClient, world: World, level: Level, condo: int
) -> httpx.Response:
    return await client.post(
        "/avisos",
        headers=world.headers[level],
        json={"nome": "Mais um", "mensagem": "Texto", "condominios_ids": [condo]},
    )


CREATES: list[tuple[str, Any, str, type[Ad] | type[Notice]]] = [
    ("ad_limit", _create_ad, "anúncios", Ad),
    ("notice_limit", _create_notice, "avisos", Notice),
]


@pytest.mark.parametrize(
    ("limit_field", "create", "noun", "model"),
    CREATES,
    ids=["anuncios", "avisos"],
)
async def test_a_sindico_at_its_limit_gets_403_naming_it_until_an_item_expires(
    app: FastAPI,
    client: httpx.AsyncClient,
    world: World,
    limit_field: str,
    create: Any,
    noun: str,
    model: type[Ad] | type[Notice],
) -> None:
    await _set_limits(app, world.sa, **{limit_field: 1})
    a = world.condo("own")

    refused = await create(client, world, Level.SINDICO, a)
    assert refused.status_code == 403
    assert refused.json()["detail"] == f"limite de {noun} atingido (1)"

    # The target is checked before the quota: B stays a 404, as for anyone.
    hidden = await create(client, world, Level.SINDICO, world.condo("other"))
    assert hidden.status_code == 404

    # The Master has no limits, and its items in A never count against sA.
    assert (await create(client, world, Level.MASTER, a)).status_code == 201

    own_id = world.ad("own") if model is Ad else world.notice("own")
    async with context_of(app).sessionmaker() as session:
        await session.execute(
            update(model)
            .where(model.id == own_id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        await session.commit()
    assert (await create(client, world, Level.SINDICO, a)).status_code == 201
    assert (await create(client, world, Level.SINDICO, a)).status_code == 403


@pytest.mark.parametrize(
    ("create", "model"), [(_create_ad, Ad), (_create_notice, Notice)]
)
async def test_inactive_items_count_and_expired_ones_do_not(
    app: FastAPI, client: httpx.AsyncClient, world: World, create: Any, model: Any
) -> None:
    await _set_limits(app, world.sa, ad_limit=2, notice_limit=2)
    async with context_of(app).sessionmaker() as session:
        await session.execute(
            update(model)
            .where(model.created_by_id == world.sa.id)
            .values(status=ContentStatus.INACTIVE)
        )
        await session.commit()
    a = world.condo("own")
    assert (await create(client, world, Level.SINDICO, a)).status_code == 201
    assert (await create(client, world, Level.SINDICO, a)).status_code == 403
    async with context_of(app).sessionmaker() as session:
        await session.execute(
            update(model)
            .where(model.created_by_id == world.sa.id)
            .values(status=ContentStatus.EXPIRED)
        )
        await session.commit()
    assert (await create(client, world, Level.SINDICO, a)).status_code == 201


async def test_condominio_quota_limits_a_sindicos_creates_but_not_the_masters(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    await _set_limits(app, world.sa, condominium_limit=1)
    sindico, master = world.headers[Level.SINDICO], world.headers[Level.MASTER]

    refused = await client.post("/condominios", headers=sindico, json={"nome": "C"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "limite de condomínios atingido (1)"

    # A Master may hand sA a second one over its limit.
    created = await client.post(
        "/condominios", headers=master, json={"nome": "C", "sindico_id": world.sa.id}
    )
    assert created.status_code == 201, created.text
    listed = await client.get("/condominios", headers=sindico)
    assert listed.json()["total"] == 2

    # Back at its limit after deleting the extra one (it has no TVs): still 403.
    gone = await client.delete(f"/condominios/{created.json()['id']}", headers=sindico)
    assert gone.status_code == 204
    again = await client.post("/condominios", headers=sindico, json={"nome": "D"})
    assert again.status_code == 403
