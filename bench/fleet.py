"""A fleet in bulk: condomínios, TVs, anúncios, avisos, notícias and people.

Rows go in through the models' tables (SQLAlchemy Core, multi-row inserts with ids
chosen here, so nothing is read back), which fills 100,000 TVs in about a minute
where the API would take hours. Anúncios point at real small pictures written to
the local media folder (a pool shared by many anúncios: their keys are valid and
``/media/...`` serves them).

    FleetSpec(tvs=2000)   200 condomínios of 10 TVs, 20 anúncios and 5 avisos each,
                          50 notícias; one síndico per 5 condomínios (so a page of
                          ``GET /anuncios`` holds 50 of their 100), one Master
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import Table, delete, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from expotv.ads.models import Ad, ad_condominium
from expotv.auth.passwords import hash_password
from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.content import ContentStatus, MediaKind
from expotv.db import create_engine, utcnow
from expotv.news.models import NewsItem
from expotv.notices.models import Notice, notice_condominium
from expotv.storage import keys
from expotv.tvs.codes import ALPHABET, CODE_LENGTH
from expotv.tvs.models import TV
from expotv.users.models import Role, User

PASSWORD = "senha-do-benchmark"
MASTER_EMAIL = "master@bench.expotv.local"
CHUNK_ROWS = 5000
MEDIA_POOL = 24


@dataclass(frozen=True)
class FleetSpec:
    tvs: int = 2000
    tvs_per_condominium: int = 10
    ads_per_condominium: int = 20
    notices_per_condominium: int = 5
    news: int = 50
    condominiums_per_manager: int = 5

    @property
    def condominiums(self) -> int:
        return max(1, -(-self.tvs // self.tvs_per_condominium))

    @property
    def managers(self) -> int:
        return max(1, -(-self.condominiums // self.condominiums_per_manager))

    def manager_of(self, condominium_id: int) -> int:
        """The user id of a condomínio's síndico (the Master is user 1)."""
        return (condominium_id - 1) // self.condominiums_per_manager + 2

    @property
    def items_per_tv(self) -> int:
        return self.ads_per_condominium + self.notices_per_condominium + self.news


@dataclass
class Fleet:
    spec: FleetSpec
    codes: list[str]
    # Síndicos' e-mails, in id order; all share PASSWORD.
    managers: list[str]
    # The condomínio ids of each síndico (same order).
    managed: list[list[int]] = field(default_factory=list)
    master: str = MASTER_EMAIL
    password: str = PASSWORD


def codes(count: int, seed: int = 0) -> list[str]:
    """``count`` distinct, valid TV codes (deterministic for a seed)."""
    import random

    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < count:
        seen.add("".join(rng.choice(ALPHABET) for _ in range(CODE_LENGTH)))
    return sorted(seen)


def _chunks(
    rows: Sequence[dict[str, Any]], size: int
) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield list(rows[start : start + size])


async def _insert(
    conn: AsyncConnection, table: Any, rows: Sequence[dict[str, Any]]
) -> None:
    for chunk in _chunks(rows, CHUNK_ROWS):
        await conn.execute(insert(table), chunk)


def media_pool(
    media_dir: Path, now: datetime, size: int = MEDIA_POOL
) -> list[dict[str, str]]:
    """``size`` real small pictures (and thumbnails) under ``media_dir``."""
    pool = []
    for index in range(size):
        key = keys.media_key(MediaKind.IMAGE, "png", now)
        thumb = keys.thumbnail_key(key)
        hue = (index * 37) % 255
        image = Image.new("RGB", (480, 270), (hue, 90, 255 - hue))
        ImageDraw.Draw(image).text((24, 120), f"anuncio {index}", fill="white")
        for target, data in (
            (key, _encode(image, "PNG")),
            (thumb, _encode(image.resize((240, 135)), "JPEG")),
        ):
            path = media_dir / target
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        pool.append({"key": key, "thumb": thumb})
    return pool


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


async def fill(settings: Settings, spec: FleetSpec, *, seed: int = 0) -> Fleet:
    """Fill an empty, migrated database with ``spec``'s fleet."""
    now = utcnow()
    password_hash = hash_password(PASSWORD)
    fleet_codes = codes(spec.tvs, seed)
    pool = media_pool(settings.media_dir, now)
    stamp = {"created_at": now, "updated_at": now}

    users = [
        {
            "id": 1,
            "name": "Master do benchmark",
            "email": MASTER_EMAIL,
            "password_hash": password_hash,
            "role": Role.ADMIN,
            "is_active": True,
            # One multi-row insert takes the first row's keys: all rows have all.
            "ad_limit": 10,
            "notice_limit": 10,
            "condominium_limit": 1,
            **stamp,
        }
    ]
    managers = [f"sindico{n}@bench.expotv.local" for n in range(spec.managers)]
    for n, email in enumerate(managers):
        users.append(
            {
                "id": n + 2,
                "name": f"Síndico {n}",
                "email": email,
                "password_hash": password_hash,
                "role": Role.MANAGER,
                "is_active": True,
                # Uploads during the run must not hit a quota.
                "ad_limit": 100_000,
                "notice_limit": 100_000,
                "condominium_limit": spec.condominiums_per_manager,
                **stamp,
            }
        )

    condominiums: list[dict[str, Any]] = [
        {
            "id": c,
            "name": f"Condomínio {c}",
            "address": f"Rua do Benchmark, {c}",
            "manager_id": spec.manager_of(c),
            **stamp,
        }
        for c in range(1, spec.condominiums + 1)
    ]
    tvs = [
        {
            "id": n + 1,
            "code": code,
            "name": f"TV {n % spec.tvs_per_condominium + 1}",
            "condominium_id": n // spec.tvs_per_condominium + 1,
            **stamp,
        }
        for n, code in enumerate(fleet_codes)
    ]
    engine = create_engine(settings)
    try:
        async with engine.begin() as conn:
            await _insert(conn, User, users)
            await _insert(conn, Condominium, condominiums)
            await _insert(conn, TV, tvs)
    finally:
        await engine.dispose()
    await _fill_items(settings, spec, pool)
    managed = [
        [c["id"] for c in condominiums if c["manager_id"] == n + 2]
        for n in range(len(managers))
    ]
    return Fleet(spec=spec, codes=fleet_codes, managers=managers, managed=managed)


def news_rows(count: int, now: datetime, first_id: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "id": first_id + n,
            "title": f"Notícia {n + 1}: a feira orgânica volta à praça",
            "summary": "Produtores da região vendem frutas e verduras das 7h às 13h.",
            "source": "EXPO TV",
            "status": ContentStatus.ACTIVE,
            "duration_seconds": 10,
            "published_at": now - timedelta(minutes=n),
            "created_at": now - timedelta(minutes=n),
            "updated_at": now,
            "guid_hash": secrets.token_hex(32),
        }
        for n in range(count)
    ]


async def replace_items(settings: Settings, spec: FleetSpec) -> None:
    """Give every condomínio ``spec``'s anúncios and avisos, and the fleet
    ``spec.news`` notícias, in place of what they had (the sweep's second axis)."""
    tables: list[Table | Any] = [
        ad_condominium,
        notice_condominium,
        Ad,
        Notice,
        NewsItem,
    ]
    engine = create_engine(settings)
    try:
        async with engine.begin() as conn:
            for table in tables:
                await conn.execute(delete(table))
    finally:
        await engine.dispose()
    await _fill_items(settings, spec, media_pool(settings.media_dir, utcnow(), size=4))


async def _fill_items(
    settings: Settings, spec: FleetSpec, pool: list[dict[str, str]]
) -> None:
    now = utcnow()
    ads, ad_links, notices, notice_links = item_rows(spec, pool, now)
    engine = create_engine(settings)
    try:
        async with engine.begin() as conn:
            await _insert(conn, Ad, ads)
            await _insert(conn, ad_condominium, ad_links)
            await _insert(conn, Notice, notices)
            await _insert(conn, notice_condominium, notice_links)
            await _insert(conn, NewsItem, news_rows(spec.news, now))
    finally:
        await engine.dispose()


Rows = list[dict[str, Any]]


def item_rows(
    spec: FleetSpec, pool: list[dict[str, str]], now: datetime
) -> tuple[Rows, Rows, Rows, Rows]:
    """Anúncios and avisos of every condomínio, and their links."""
    stamp = {"created_at": now, "updated_at": now}
    expires_at = now + timedelta(days=30)
    ads: Rows = []
    ad_links: Rows = []
    notices: Rows = []
    notice_links: Rows = []
    for c in range(1, spec.condominiums + 1):
        manager = spec.manager_of(c)
        for a in range(spec.ads_per_condominium):
            item_id = len(ads) + 1
            media = pool[item_id % len(pool)]
            ads.append(
                {
                    "id": item_id,
                    "name": f"Anúncio {a + 1} do condomínio {c}",
                    "status": ContentStatus.ACTIVE,
                    "requested_status": ContentStatus.ACTIVE,
                    "expires_at": expires_at,
                    "duration_seconds": 10,
                    "media_kind": MediaKind.IMAGE,
                    "media_key": media["key"],
                    "archive_url": f"/media/{media['key']}",
                    "thumbnail_key": media["thumb"],
                    "thumbnail_url": f"/media/{media['thumb']}",
                    "advertiser_name": f"Anunciante {a + 1}",
                    "advertiser_phone": "(11) 91234-5678",
                    "created_by_id": manager,
                    **stamp,
                }
            )
            ad_links.append({"ad_id": item_id, "condominium_id": c})
        for n in range(spec.notices_per_condominium):
            item_id = len(notices) + 1
            notices.append(
                {
                    "id": item_id,
                    "name": f"Aviso {n + 1}",
                    "message": "A piscina fecha para manutenção na segunda-feira.",
                    "status": ContentStatus.ACTIVE,
                    "requested_status": ContentStatus.ACTIVE,
                    "expires_at": expires_at,
                    "duration_seconds": 15,
                    "created_by_id": manager,
                    **stamp,
                }
            )
            notice_links.append({"notice_id": item_id, "condominium_id": c})
    return ads, ad_links, notices, notice_links
