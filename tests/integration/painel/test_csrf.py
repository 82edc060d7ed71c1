"""Every write of the dashboard carries its CSRF token, or changes nothing."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from expotv.tvs.models import TV
from expotv.users.models import Role
from tests.integration.condominiums import arrange
from tests.integration.painel.browserless import form_token, sign_in
from tests.support import PASSWORD, Factory


async def _tv_count(factory: Factory) -> int:
    async with factory.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(TV)) or 0)


async def test_form_without_its_token_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER)
    condo = await arrange.condominium(factory, manager=manager)
    csrf = await sign_in(client, manager.email)
    body = {"nome": "TV Nova", "condominio_id": str(condo.id)}
    for sent in ({}, {"csrf_token": "x" * 64}, {"csrf_token": ""}):
        refused = await client.post("/painel/tvs/nova", data={**body, **sent})
        assert refused.status_code == 403
        assert "Formulário expirado" in refused.text
    assert await _tv_count(factory) == 0
    accepted = await client.post("/painel/tvs/nova", data={**body, "csrf_token": csrf})
    assert accepted.status_code == 303
    assert await _tv_count(factory) == 1


async def test_fetch_writes_carry_the_token_in_a_header(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER)
    condo = await arrange.condominium(factory, manager=manager)
    tv = await arrange.tv(factory, condo)
    csrf = await sign_in(client, manager.email)
    url = f"/painel/tvs/{tv.id}/proporcao"
    data = {
        "proporcao_avisos": "2",
        "proporcao_anuncios": "3",
        "proporcao_noticias": "0",
    }
    refused = await client.post(url, data=data, headers={"Accept": "application/json"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    accepted = await client.post(url, data=data, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 303
    async with factory.sessionmaker() as session:
        stored = await session.get(TV, tv.id)
        assert stored is not None
        assert (stored.notice_ratio, stored.ad_ratio, stored.news_ratio) == (2, 3, 0)


async def test_a_token_from_another_session_is_refused(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER)
    condo = await arrange.condominium(factory, manager=manager)
    old = await sign_in(client, manager.email)
    client.cookies.clear()
    await sign_in(client, manager.email)
    refused = await client.post(
        "/painel/tvs/nova",
        data={"nome": "TV", "condominio_id": str(condo.id), "csrf_token": old},
    )
    assert refused.status_code == 403


async def test_sign_in_form_needs_its_own_token(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    # No token, or one that is not the cookie's (a login forced from another site).
    form = await client.get("/login")
    for token in (None, "forjado-" + "x" * 40):
        data = {"email": user.email, "senha": PASSWORD}
        if token:
            data["csrf_token"] = token
        refused = await client.post("/login", data=data)
        assert refused.status_code == 403
        assert "expotv_painel=" not in refused.headers.get("set-cookie", "")
    accepted = await client.post(
        "/login",
        data={
            "email": user.email,
            "senha": PASSWORD,
            "csrf_token": form_token(form.text),
        },
    )
    assert accepted.status_code == 303


async def test_logout_needs_the_token_too(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user(Role.MANAGER)
    await sign_in(client, user.email)
    refused = await client.post("/painel/sair")
    assert refused.status_code == 403
    assert (await client.get("/painel")).status_code == 200
