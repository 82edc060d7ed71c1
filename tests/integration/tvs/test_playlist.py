"""``GET /tvs/{id}/playlist``: what a TV plays now, and why the rest does not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import insert

from expotv.ads.models import Ad
from expotv.condominiums.models import Condominium
from expotv.content import ContentStatus
from expotv.db import utcnow
from expotv.news.models import NewsItem
from expotv.notices.models import Notice
from expotv.tvs.codes import generate_code
from expotv.tvs.models import TV
from expotv.users.models import Role, User
from expotv.windows import Window
from tests.support import Factory


async def ad(factory: Factory, condominium: Condominium, **fields: Any) -> Ad:
    values: dict[str, Any] = {"name": "Anúncio", "condominiums": [condominium]}
    values.update(fields)
    created: Ad = await factory.add(Ad(**values))
    return created


async def test_the_playlist_and_every_item_left_out_with_its_reason(
    client: httpx.AsyncClient, factory: Factory, admin_headers: dict[str, str]
) -> None:
    now = utcnow()
    condominium = await factory.add(
        Condominium(name="Aurora", timezone="America/Manaus")
    )
    tv = await factory.add(
        TV(
            code=generate_code(),
            name="Hall",
            condominium_id=condominium.id,
            news_ratio=0,
        )
    )
    elevator = await factory.add(
        TV(code=generate_code(), name="Elevador", condominium_id=condominium.id)
    )
    other = await factory.add(Condominium(name="Outro"))
    playing = await ad(factory, condominium, name="Toca")
    left_out = {
        "agendado": await ad(factory, condominium, starts_at=now + timedelta(days=1)),
        "expirado": await ad(factory, condominium, expires_at=now - timedelta(days=1)),
        "inativo": await ad(factory, condominium, status=ContentStatus.INACTIVE),
        "processando": await ad(factory, condominium, status=ContentStatus.PROCESSING),
        "erro": await ad(factory, condominium, status=ContentStatus.ERROR),
        "outra_tv": await ad(factory, condominium),
        # A window that is never now: one minute, a day other than today's.
        "fora_do_horario": await ad(
            factory,
            condominium,
            windows=(
                Window(
                    days=frozenset({(now.isoweekday() + 2) % 7 + 1}),
                    start=0,
                    end=1,
                ),
            ),
        ),
    }
    async with factory.sessionmaker() as session:
        await session.execute(
            insert(Ad.tv_link).values(ad_id=left_out["outra_tv"].id, tv_id=elevator.id)
        )
        await session.commit()
    news = await factory.add(NewsItem(title="Notícia"))
    # Another condomínio's anúncio is not this TV's business.
    await ad(factory, other)

    response = await client.get(f"/tvs/{tv.id}/playlist", headers=admin_headers)

    assert response.status_code == 200, response.text
    body = response.json()
    content = (await client.get(f"/app/tv/{tv.code}/content")).json()
    assert body["versao"] == content["versao"]
    assert body["itens"] == content["itens"]
    assert body["modo"] == "normal"
    assert {item["id"] for item in body["itens"]} == {playing.id}
    fora = {(entry["tipo"], entry["id"]): entry for entry in body["fora"]}
    expected = {("anuncio", item.id): reason for reason, item in left_out.items()}
    expected[("noticia", news.id)] = "proporcao_zero"
    assert {key: entry["motivo"] for key, entry in fora.items()} == expected
    assert fora[("noticia", news.id)]["titulo"] == "Notícia"
    # In the condomínio's zone, with its offset.
    assert body["valido_ate"].endswith("-04:00")


async def test_reading_it_is_not_a_ping_and_follows_tv_visibility(
    client: httpx.AsyncClient, factory: Factory, admin_headers: dict[str, str]
) -> None:
    manager = await factory.user(Role.MANAGER)
    stranger: User = await factory.user(Role.MANAGER)
    condominium = await factory.add(Condominium(name="Aurora", manager_id=manager.id))
    tv = await factory.add(
        TV(code=generate_code(), name="Hall", condominium_id=condominium.id)
    )
    await factory.add(
        Notice(
            name="Aviso",
            message="Texto",
            condominiums=[condominium],
            is_emergency=True,
        )
    )

    mine = await client.get(
        f"/tvs/{tv.id}/playlist", headers=await factory.headers(manager)
    )
    theirs = await client.get(
        f"/tvs/{tv.id}/playlist", headers=await factory.headers(stranger)
    )
    status = await client.get(f"/tvs/{tv.id}/status", headers=admin_headers)

    assert mine.status_code == 200
    assert mine.json()["modo"] == "emergencia"
    assert theirs.status_code == 404
    assert status.json()["ultimo_ping"] is None
    assert status.json()["status"] == "offline"
