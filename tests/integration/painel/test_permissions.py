"""Pages obey the API's rules: what a level may see, change, and nothing else."""

from __future__ import annotations

import re

import httpx
import pytest

from expotv.condominiums.models import Condominium
from expotv.db import utcnow
from expotv.news.models import NewsItem
from expotv.tvs.models import TV
from expotv.users.models import Role, User
from tests.integration.condominiums import arrange
from tests.integration.painel.browserless import post_forms, sign_in
from tests.support import Factory

READ_PAGES = [
    "/painel",
    "/painel/condominios",
    "/painel/condominios/{condo}",
    "/painel/tvs",
    "/painel/tvs/{tv}",
    "/painel/noticias",
    "/painel/noticias/{news}",
    "/painel/noticias/fontes",
]


@pytest.fixture
async def tenants(factory: Factory) -> dict[str, object]:
    """Two síndicos with a condomínio and a TV each, a Visitante of the first."""
    manager = await factory.user(Role.MANAGER, name="Síndica Um")
    other = await factory.user(Role.MANAGER, name="Síndico Dois")
    viewer = await factory.user(Role.VIEWER, name="Visitante Um")
    condo = await arrange.condominium(factory, "Condomínio Um", manager=manager)
    other_condo = await arrange.condominium(factory, "Condomínio Dois", manager=other)
    await arrange.assign(factory, viewer, condo)
    tv = await arrange.tv(factory, condo, name="TV do Um")
    other_tv = await arrange.tv(factory, other_condo, name="TV do Dois")
    await arrange.ad(factory, condo, created_by_id=manager.id)
    await arrange.notice(factory, other_condo)
    news = await factory.add(_news())
    return {
        "manager": manager,
        "other": other,
        "viewer": viewer,
        "condo": condo,
        "other_condo": other_condo,
        "tv": tv,
        "other_tv": other_tv,
        "news": news,
    }


def _news() -> NewsItem:
    return NewsItem(title="Notícia", summary="Resumo", published_at=utcnow())


def _pages(t: dict[str, object]) -> list[str]:
    ids = {
        "condo": t["condo"].id,  # type: ignore[attr-defined]
        "tv": t["tv"].id,  # type: ignore[attr-defined]
        "news": t["news"].id,  # type: ignore[attr-defined]
    }
    return [page.format(**ids) for page in READ_PAGES]


async def test_visitante_sees_read_only_pages_without_edit_controls(
    client: httpx.AsyncClient, tenants: dict[str, object]
) -> None:
    viewer: User = tenants["viewer"]  # type: ignore[assignment]
    await sign_in(client, viewer.email)
    for path in _pages(tenants):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert post_forms(page.text) == ["/painel/sair"], path
        assert "Cadastrar TV" not in page.text, path
        assert "Excluir" not in page.text, path
    tv_page = await client.get(f"/painel/tvs/{tenants['tv'].id}")  # type: ignore[attr-defined]
    assert "TV do Um" in tv_page.text
    assert 'name="proporcao_avisos"' not in tv_page.text


async def test_visitante_writes_are_refused_by_the_services(
    client: httpx.AsyncClient, tenants: dict[str, object], factory: Factory
) -> None:
    viewer: User = tenants["viewer"]  # type: ignore[assignment]
    tv: TV = tenants["tv"]  # type: ignore[assignment]
    csrf = await sign_in(client, viewer.email)
    refused = await client.post(
        f"/painel/tvs/{tv.id}", data={"csrf_token": csrf, "nome": "Mudou"}
    )
    assert refused.status_code == 403
    create = await client.post(
        "/painel/tvs/nova",
        data={
            "csrf_token": csrf,
            "nome": "Nova",
            "condominio_id": str(tenants["condo"].id),  # type: ignore[attr-defined]
        },
    )
    assert create.status_code == 403
    async with factory.sessionmaker() as session:
        stored = await session.get(TV, tv.id)
        assert stored is not None
        assert stored.name == "TV do Um"


async def test_sindico_cannot_reach_another_condominium_by_url(
    client: httpx.AsyncClient, tenants: dict[str, object], factory: Factory
) -> None:
    manager: User = tenants["manager"]  # type: ignore[assignment]
    other_condo = tenants["other_condo"]
    other_tv: TV = tenants["other_tv"]  # type: ignore[assignment]
    csrf = await sign_in(client, manager.email)
    for path in (
        f"/painel/condominios/{other_condo.id}",  # type: ignore[attr-defined]
        f"/painel/condominios/{other_condo.id}/editar",  # type: ignore[attr-defined]
        f"/painel/tvs/{other_tv.id}",
        f"/painel/tvs/{other_tv.id}/previa.json?proporcao_avisos=1"
        "&proporcao_anuncios=1&proporcao_noticias=1",
        "/painel/tvs/999999",
        "/painel/tvs/abc",
        "/painel/nada-aqui",
    ):
        page = await client.get(path)
        assert page.status_code == 404, path
        assert "TV do Dois" not in page.text
    assert (
        "Página não encontrada" in (await client.get(f"/painel/tvs/{other_tv.id}")).text
    )
    for path, data in (
        (f"/painel/tvs/{other_tv.id}", {"nome": "Invadida"}),
        (f"/painel/tvs/{other_tv.id}/excluir", {}),
        (f"/painel/condominios/{other_condo.id}/excluir", {}),  # type: ignore[attr-defined]
    ):
        refused = await client.post(path, data={"csrf_token": csrf, **data})
        assert refused.status_code == 404, path
    async with factory.sessionmaker() as session:
        stored = await session.get(TV, other_tv.id)
        assert stored is not None
        assert stored.name == "TV do Dois"
    # Lists show only its own.
    tvs = await client.get("/painel/tvs")
    assert "TV do Um" in tvs.text
    assert "TV do Dois" not in tvs.text
    status = await client.get(
        f"/painel/tvs/status.json?ids={tenants['tv'].id},{other_tv.id}"  # type: ignore[attr-defined]
    )
    assert [s["id"] for s in status.json()["tvs"]] == [tenants["tv"].id]  # type: ignore[attr-defined]


async def test_only_the_master_manages_users_and_news(
    client: httpx.AsyncClient, tenants: dict[str, object], admin: User
) -> None:
    manager: User = tenants["manager"]  # type: ignore[assignment]
    await sign_in(client, manager.email)
    for path in ("/painel/usuarios", "/painel/usuarios/novo", "/painel/noticias/nova"):
        page = await client.get(path)
        assert page.status_code == 403, path
        assert "Acesso não permitido" in page.text
    home = await client.get("/painel")
    assert "/painel/usuarios" not in home.text
    client.cookies.clear()
    await sign_in(client, admin.email)
    users = await client.get("/painel/usuarios")
    assert users.status_code == 200
    assert "Síndica Um" in users.text
    assert "/painel/usuarios" in users.text


async def test_sindico_edits_its_tv_and_sees_errors_next_to_the_field(
    client: httpx.AsyncClient, tenants: dict[str, object], factory: Factory
) -> None:
    manager: User = tenants["manager"]  # type: ignore[assignment]
    tv: TV = tenants["tv"]  # type: ignore[assignment]
    csrf = await sign_in(client, manager.email)
    bad = await client.post(
        f"/painel/tvs/{tv.id}/proporcao",
        data={
            "csrf_token": csrf,
            "proporcao_avisos": "0",
            "proporcao_anuncios": "0",
            "proporcao_noticias": "0",
        },
    )
    assert bad.status_code == 422
    assert re.search(r'id="erro-proporcao_anuncios"[^>]*>.*A soma', bad.text, re.S)
    worse = await client.post(
        f"/painel/tvs/{tv.id}/proporcao",
        data={
            "csrf_token": csrf,
            "proporcao_avisos": "dois",
            "proporcao_anuncios": "101",
            "proporcao_noticias": "1",
        },
    )
    assert worse.status_code == 422
    assert "Informe um número inteiro" in worse.text
    assert "Informe um valor até 100" in worse.text
    renamed = await client.post(
        f"/painel/tvs/{tv.id}", data={"csrf_token": csrf, "nome": "Hall novo"}
    )
    assert renamed.status_code == 303
    async with factory.sessionmaker() as session:
        stored = await session.get(TV, tv.id)
        assert stored is not None
        assert stored.name == "Hall novo"
        assert (stored.notice_ratio, stored.ad_ratio, stored.news_ratio) == (1, 5, 3)


async def test_a_condominiums_zone_is_chosen_in_its_form(
    client: httpx.AsyncClient, tenants: dict[str, object], factory: Factory
) -> None:
    manager: User = tenants["manager"]  # type: ignore[assignment]
    condo_id = tenants["condo"].id  # type: ignore[attr-defined]
    csrf = await sign_in(client, manager.email)
    for chosen, stored in (("America/Manaus", "America/Manaus"), ("", None)):
        saved = await client.post(
            f"/painel/condominios/{condo_id}/editar",
            data={"csrf_token": csrf, "nome": "Condomínio Um", "fuso_horario": chosen},
        )
        assert saved.status_code == 303
        async with factory.sessionmaker() as session:
            condo = await session.get(Condominium, condo_id)
            assert condo is not None
            assert condo.timezone == stored
