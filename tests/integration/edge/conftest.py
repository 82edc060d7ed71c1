"""Objects every route of the API can be called on, for the request-edge tests."""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from PIL import Image

from expotv.news.models import NewsFeed
from expotv.users.models import Role
from tests import support

# Words of pydantic's and Starlette's English messages.
ENGLISH = re.compile(
    r"\b(Input|should|Field required|Value error|Not Found|Method Not Allowed|"
    r"valid|characters|at most|at least|greater|less than|error|parsing)\b"
)


def rss_bytes() -> int:
    """This process's resident memory (the app under test runs in it)."""
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 16), "#1d3557").save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Objects:
    """One of each kind, so every path id names something that exists."""

    headers: dict[str, str]
    ids: dict[str, int]

    def path(self, template: str) -> str:
        path = template
        for name, value in self.ids.items():
            path = path.replace("{" + name + "}", str(value))
        return path


@pytest.fixture
async def objects(
    client: httpx.AsyncClient, factory: support.Factory, clean: None
) -> Objects:
    admin = await factory.user(Role.ADMIN)
    headers = await factory.headers(admin)
    other = await factory.user(Role.MANAGER)

    async def create(path: str, **kwargs: object) -> int:
        response = await client.post(path, headers=headers, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    condominium = await create("/condominios", json={"nome": "Ed. Borda"})
    tv = await create("/tvs", json={"nome": "Hall", "condominio_id": condominium})
    notice = await create(
        "/avisos",
        json={"nome": "Aviso", "mensagem": "Oi", "condominios_ids": [condominium]},
    )
    ad = await create(
        "/anuncios",
        data={"nome": "Padaria", "condominios_ids": str(condominium)},
        files={"arquivo": ("p.png", png(), "image/png")},
    )
    news = await create("/noticias", json={"titulo": "Notícia", "resumo": "r"})
    feed = await factory.add(NewsFeed(name="Fonte", url="https://example.com/rss"))
    ids = {
        "user_id": other.id,
        "condominium_id": condominium,
        "tv_id": tv,
        "notice_id": notice,
        "ad_id": ad,
        "news_id": news,
        "feed_id": feed.id,
    }
    return Objects(headers=headers, ids=ids)


def api_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    """Every API route with its full path (included routers stay nested)."""
    return [
        (context.path_format, context.original_route)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.path_format
    ]
