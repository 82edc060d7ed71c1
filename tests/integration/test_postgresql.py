"""EXPO TV on PostgreSQL: the README's third database works end to end.

The full suite runs on SQLite and MariaDB (the production database); here one pass
over the main flow proves the PostgreSQL driver, types and job lock.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from PIL import Image

from expotv.context import context_of
from expotv.db import create_engine, create_sessionmaker
from expotv.jobs.locks import DatabaseJobCoordinator
from expotv.main import create_app
from expotv.users.models import Role
from tests import support
from tests.conftest import make_settings

pytestmark = pytest.mark.postgresql


@pytest.fixture
async def pg_app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    async with support.fresh_database("postgresql", tmp_path) as url:
        settings = make_settings(tmp_path, database_url=url)
        support.migrate(settings)
        app = create_app(settings)
        async with LifespanManager(app, startup_timeout=30):
            yield app


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 32), "#e63946").save(buffer, format="PNG")
    return buffer.getvalue()


async def test_the_main_flow_works_on_postgresql(pg_app: FastAPI) -> None:
    factory = support.Factory(
        context_of(pg_app).sessionmaker, context_of(pg_app).settings
    )
    headers = await factory.headers(await factory.user(Role.ADMIN))
    transport = httpx.ASGITransport(app=pg_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        condo = await client.post(
            "/condominios", json={"nome": "Ed. Aurora"}, headers=headers
        )
        assert condo.status_code == 201, condo.text
        condo_id = condo.json()["id"]
        tv = await client.post(
            "/tvs", json={"nome": "Hall", "condominio_id": condo_id}, headers=headers
        )
        assert tv.status_code == 201, tv.text
        notice = await client.post(
            "/avisos",
            json={
                "nome": "Dedetização",
                "mensagem": "Sábado, às 9h.",
                "condominios_ids": [condo_id],
            },
            headers=headers,
        )
        assert notice.status_code == 201, notice.text
        ad = await client.post(
            "/anuncios",
            data={"nome": "Padaria", "condominios_ids": str(condo_id)},
            files={"arquivo": ("p.png", _png(), "image/png")},
            headers=headers,
        )
        assert ad.status_code == 201, ad.text
        duplicate = await client.post(
            "/usuarios",
            json={
                "nome": "X",
                "email": "dup@example.com",
                "senha": "12345678",
                "nivel": "Sindico",
            },
            headers=headers,
        )
        assert duplicate.status_code == 201
        again = await client.post(
            "/usuarios",
            json={
                "nome": "Y",
                "email": "DUP@example.com",
                "senha": "12345678",
                "nivel": "Sindico",
            },
            headers=headers,
        )
        assert again.status_code == 409

        content = await client.get(f"/app/tv/{tv.json()['codigo']}/content")
        assert content.status_code == 200
        kinds = [item["tipo"] for item in content.json()["itens"]]
        # One cycle: 1 aviso slot, then 5 anúncio slots all holding the one ad.
        assert kinds == ["aviso"] + ["anuncio"] * 5


async def test_job_locks_are_advisory_locks_on_postgresql(pg_app: FastAPI) -> None:
    mine = DatabaseJobCoordinator(
        context_of(pg_app).engine, context_of(pg_app).sessionmaker
    )
    engine = create_engine(context_of(pg_app).settings)
    try:
        theirs = DatabaseJobCoordinator(engine, create_sessionmaker(engine))
        async with (
            mine.hold("tv-monitor") as got_mine,
            theirs.hold("tv-monitor") as got_theirs,
        ):
            assert got_mine is True
            assert got_theirs is False
        async with theirs.hold("tv-monitor") as later:
            assert later is True
    finally:
        await engine.dispose()
