"""Playback fixtures: rows arranged directly, and a statement counter on the engine."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import insert

from expotv.ads.models import Ad, ad_condominium
from expotv.cache.pubsub import RedisPubSub
from expotv.condominiums.models import Condominium
from expotv.content import ContentStatus, MediaKind
from expotv.context import context_of
from expotv.db import utcnow
from expotv.news.models import NewsItem
from expotv.notices.models import Notice, notice_condominium
from expotv.tvs.codes import generate_code
from expotv.tvs.models import TV
from tests import support
from tests.conftest import AppBuilder
from tests.integration.redis.server import RedisServer


@dataclass
class Arrange:
    """Creates committed rows without going through the API (and its invalidation)."""

    sessionmaker: Any
    _seq: int = 0

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    async def _add(self, obj: Any) -> Any:
        async with self.sessionmaker() as session:
            session.add(obj)
            await session.commit()
            return obj

    async def condominium(self, **fields: Any) -> Condominium:
        values: dict[str, Any] = {"name": f"Condomínio {self._next()}"}
        values.update(fields)
        result: Condominium = await self._add(Condominium(**values))
        return result

    async def tv(self, condominium: Condominium, **fields: Any) -> TV:
        values: dict[str, Any] = {
            "code": generate_code(),
            "name": f"TV {self._next()}",
            "condominium_id": condominium.id,
        }
        values.update(fields)
        result: TV = await self._add(TV(**values))
        return result

    async def _targets(
        self, table: Any, column: str, item_id: int, ids: list[int]
    ) -> None:
        async with self.sessionmaker() as session:
            await session.execute(
                insert(table),
                [{column: item_id, "condominium_id": cid} for cid in ids],
            )
            await session.commit()

    async def ad(self, *condominiums: Condominium, **fields: Any) -> Ad:
        n = self._next()
        values: dict[str, Any] = {
            "name": f"Anúncio {n}",
            "status": ContentStatus.ACTIVE,
            "media_kind": MediaKind.IMAGE,
            "archive_url": f"/media/imagem/2026/12/01/{n:032x}.png",
            "thumbnail_url": f"/media/imagem/2026/12/01/{n:032x}.thumb.jpg",
            "duration_seconds": 10,
        }
        values.update(fields)
        ad: Ad = await self._add(Ad(**values))
        await self._targets(
            ad_condominium, "ad_id", ad.id, [c.id for c in condominiums]
        )
        return ad

    async def notice(self, *condominiums: Condominium, **fields: Any) -> Notice:
        n = self._next()
        values: dict[str, Any] = {
            "name": f"Aviso {n}",
            "message": f"Mensagem {n}",
            "status": ContentStatus.ACTIVE,
            "duration_seconds": 15,
        }
        values.update(fields)
        notice: Notice = await self._add(Notice(**values))
        await self._targets(
            notice_condominium, "notice_id", notice.id, [c.id for c in condominiums]
        )
        return notice

    async def news(self, **fields: Any) -> NewsItem:
        n = self._next()
        values: dict[str, Any] = {
            "title": f"Notícia {n}",
            "summary": f"Resumo {n}",
            "status": ContentStatus.ACTIVE,
            "duration_seconds": 10,
        }
        values.update(fields)
        result: NewsItem = await self._add(NewsItem(**values))
        return result


@pytest.fixture
def arrange(app: FastAPI, clean: None) -> Arrange:
    return Arrange(sessionmaker=context_of(app).sessionmaker)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A Redis of the test's own (its command counts are the test's alone)."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def shared(redis_server: RedisServer, build_app: AppBuilder) -> AppBuilder:
    """Instances (apps with their own lifespan) sharing the test's database and
    one Redis, as several ``expotv serve`` behind a balancer (Redis first: it
    stops after the apps)."""

    async def instance(**overrides: Any) -> FastAPI:
        return await build_app(
            redis_url=redis_server.url, redis_key_prefix="expotv-shared", **overrides
        )

    return instance


@dataclass
class StatementLog:
    statements: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.statements)

    def clear(self) -> None:
        self.statements.clear()

    def updates(self) -> list[str]:
        return [s for s in self.statements if s.lstrip().upper().startswith("UPDATE")]


@pytest.fixture
def statements(app: FastAPI) -> Iterator[StatementLog]:
    """Every SQL statement the app's engine sends while the test runs."""
    with support.recorded_statements(app) as log:
        yield StatementLog(log)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


async def content(client: httpx.AsyncClient, code: str, **kw: Any) -> httpx.Response:
    return await client.get(f"/app/tv/{code}/content", **kw)


async def version_of(client: httpx.AsyncClient, code: str) -> str:
    response = await content(client, code)
    assert response.status_code == 200, response.text
    version: str = response.json()["versao"]
    return version


def in_minutes(minutes: float, now: datetime | None = None) -> datetime:
    return (now or utcnow()) + timedelta(minutes=minutes)


async def wait_up(pubsub: RedisPubSub) -> None:
    """Until the channel's subscription is confirmed (its first pong)."""
    await pubsub.wait_listening()
    for _ in range(200):
        if pubsub.up_since(5.0) is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("pub/sub não confirmou a inscrição")
