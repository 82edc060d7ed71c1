"""NUL is refused in every text the API takes, from one place (the request edge),
naming the field: JSON strings, form fields, query values and paths. PostgreSQL can
not store it in a text column, so there it was a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import func, select

from expotv.ads.models import Ad
from expotv.condominiums.models import Condominium
from expotv.context import context_of
from expotv.main import create_app
from expotv.news.models import NewsItem
from expotv.tvs.models import TV
from expotv.users.models import Role, User
from tests import support
from tests.conftest import make_settings
from tests.integration.edge.conftest import Objects, png

NUL = "a\u0000b"


async def counts(sessionmaker: Any) -> dict[str, int]:
    async with sessionmaker() as session:
        return {
            model.__name__: int(await session.scalar(select(func.count(model.id))) or 0)
            for model in (User, Condominium, TV, NewsItem, Ad)
        }


async def attack(client: httpx.AsyncClient, objects: Objects) -> None:
    """Every way a NUL can reach a text field, each a 422 naming it."""
    headers = objects.headers
    ids = objects.ids
    cases: list[tuple[str, str, dict[str, Any], list[object]]] = [
        ("POST", "/condominios", {"json": {"nome": NUL}}, ["body", "nome"]),
        (
            "POST",
            "/usuarios",
            {"json": {"nome": "A", "email": "x@example.com", "senha": NUL}},
            ["body", "senha"],
        ),
        ("PUT", f"/tvs/{ids['tv_id']}", {"json": {"nome": NUL}}, ["body", "nome"]),
        (
            "PUT",
            f"/condominios/{ids['condominium_id']}",
            {"json": {"endereco": NUL}},
            ["body", "endereco"],
        ),
        ("POST", "/noticias", {"json": {"titulo": NUL}}, ["body", "titulo"]),
        (
            "POST",
            "/anuncios",
            {
                "data": {"nome": NUL, "condominios_ids": str(ids["condominium_id"])},
                "files": {"arquivo": ("p.png", png(), "image/png")},
            },
            ["body", "nome"],
        ),
        ("GET", "/tvs", {"params": {"q": NUL}}, ["query", "q"]),
        ("GET", "/noticias", {"params": {"q": NUL}}, ["query", "q"]),
        ("GET", "/condominios", {"params": {"q": NUL}}, ["query", "q"]),
        ("GET", "/app/tv/AB%00CD/content", {}, ["path"]),
        ("POST", "/auth/login", {"data": {"username": NUL, "password": "x"}}, []),
    ]
    for method, path, kwargs, loc in cases:
        response = await client.request(method, path, headers=headers, **kwargs)
        assert response.status_code == 422, (path, response.text)
        body = response.json()
        assert body["code"] == "nul_character", body
        if loc:
            assert body["detail"][0]["loc"] == loc, body
        assert "NUL" in body["detail"][0]["msg"]


async def test_nul_is_refused_everywhere_and_nothing_is_stored(
    app: FastAPI, client: httpx.AsyncClient, objects: Objects
) -> None:
    before = await counts(context_of(app).sessionmaker)
    await attack(client, objects)
    assert await counts(context_of(app).sessionmaker) == before


@pytest.fixture
async def pg_app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    async with support.fresh_database("postgresql", tmp_path) as url:
        settings = make_settings(tmp_path, database_url=url)
        support.migrate(settings)
        app = create_app(settings)
        async with LifespanManager(app, startup_timeout=30):
            yield app


@pytest.mark.postgresql
async def test_nul_never_reaches_postgresql(pg_app: FastAPI) -> None:
    context = context_of(pg_app)
    factory = support.Factory(context.sessionmaker, context.settings)
    headers = await factory.headers(await factory.user(Role.ADMIN))
    transport = httpx.ASGITransport(app=pg_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        condo = await client.post("/condominios", json={"nome": "Ed."}, headers=headers)
        tv = await client.post(
            "/tvs",
            json={"nome": "Hall", "condominio_id": condo.json()["id"]},
            headers=headers,
        )
        objects = Objects(
            headers=headers,
            ids={"tv_id": tv.json()["id"], "condominium_id": condo.json()["id"]},
        )
        before = await counts(context.sessionmaker)
        await attack(client, objects)
    assert await counts(context.sessionmaker) == before
