"""The dashboard's list routes send a fixed number of SQL statements per request,
whatever the page holds (no N+1): counted with a few rows, then with many.

The caller's session is warm in the cache (an earlier request), as in production,
so the counts are those of the list itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Table, insert

from expotv.ads.models import Ad
from expotv.condominiums.models import Condominium
from expotv.context import context_of
from expotv.users.models import Role, User, viewer_condominium
from tests import support
from tests.integration.auth.test_session_cache import statements_of
from tests.integration.playback.conftest import Arrange


@pytest.fixture
def arrange(app: FastAPI, clean: None) -> Arrange:
    return Arrange(sessionmaker=context_of(app).sessionmaker)


async def link(arrange: Arrange, table: Table, rows: list[dict[str, int]]) -> None:
    async with arrange.sessionmaker() as session:
        await session.execute(insert(table), rows)
        await session.commit()


@dataclass
class Tenant:
    manager: User
    condominium: Condominium
    headers: dict[str, str]


@pytest.fixture
async def tenant(factory: support.Factory, arrange: Arrange) -> Tenant:
    manager = await factory.user(Role.MANAGER)
    condominium = await arrange.condominium(manager_id=manager.id)
    return Tenant(manager, condominium, await factory.headers(manager))


async def ads(arrange: Arrange, tenant: Tenant, n: int) -> None:
    tvs = [await arrange.tv(tenant.condominium) for _ in range(2)]
    for _ in range(n):
        ad = await arrange.ad(tenant.condominium, created_by_id=tenant.manager.id)
        await link(
            arrange, Ad.tv_link, [{"ad_id": ad.id, "tv_id": tv.id} for tv in tvs]
        )


async def notices(arrange: Arrange, tenant: Tenant, n: int) -> None:
    for _ in range(n):
        await arrange.notice(tenant.condominium, created_by_id=tenant.manager.id)


async def tvs(arrange: Arrange, tenant: Tenant, n: int) -> None:
    for _ in range(n):
        await arrange.tv(tenant.condominium)


async def condominiums(arrange: Arrange, tenant: Tenant, n: int) -> None:
    for _ in range(n):
        condominium = await arrange.condominium(manager_id=tenant.manager.id)
        await arrange.tv(condominium)


async def news(arrange: Arrange, tenant: Tenant, n: int) -> None:
    for _ in range(n):
        await arrange.news()


Fill = Callable[[Arrange, Tenant, int], Awaitable[None]]

LISTS: dict[str, tuple[str, Fill]] = {
    "anuncios": ("/anuncios?limit=50", ads),
    "avisos": ("/avisos?limit=50", notices),
    "tvs": ("/tvs?limit=50", tvs),
    "condominios": ("/condominios?limit=50", condominiums),
    "noticias": ("/noticias?limit=50", news),
}


async def count(
    app: FastAPI, client: httpx.AsyncClient, url: str, tenant: Tenant
) -> tuple[int, int]:
    """(statements, items) of one request for ``url``."""
    with statements_of(app) as seen:
        response = await client.get(url, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return len(seen), len(response.json()["items"])


@pytest.mark.parametrize("name", sorted(LISTS))
async def test_a_list_page_costs_the_same_statements_with_more_rows(
    name: str,
    app: FastAPI,
    client: httpx.AsyncClient,
    arrange: Arrange,
    tenant: Tenant,
) -> None:
    url, fill = LISTS[name]
    await fill(arrange, tenant, 2)
    await client.get("/auth/me", headers=tenant.headers)  # the session, cached
    few, few_items = await count(app, client, url, tenant)

    await fill(arrange, tenant, 10)
    many, many_items = await count(app, client, url, tenant)

    assert many_items > few_items >= 2
    assert many == few, (
        f"{name}: {few} statements for {few_items}, {many} for {many_items}"
    )


async def test_the_users_list_costs_the_same_statements_with_more_rows(
    app: FastAPI,
    client: httpx.AsyncClient,
    factory: support.Factory,
    arrange: Arrange,
) -> None:
    admin = await factory.user(Role.ADMIN)
    tenant = Tenant(admin, await arrange.condominium(), await factory.headers(admin))
    await client.get("/auth/me", headers=tenant.headers)

    async def people(n: int) -> None:
        for _ in range(n):
            manager = await factory.user(Role.MANAGER)
            await arrange.condominium(manager_id=manager.id)
            viewer = await factory.user(Role.VIEWER)
            await link(
                arrange,
                viewer_condominium,
                [{"user_id": viewer.id, "condominium_id": tenant.condominium.id}],
            )

    await people(1)
    few, few_items = await count(app, client, "/usuarios?limit=50", tenant)
    await people(6)
    many, many_items = await count(app, client, "/usuarios?limit=50", tenant)

    assert many_items > few_items
    assert many == few
