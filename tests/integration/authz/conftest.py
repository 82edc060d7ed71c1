"""The authorization world: two tenants, A and B, and one user per level.

    Master M
    condomínio A  síndico sA   TV tvA   anúncio/aviso by sA       Visitante vA (A)
    condomínio B  síndico sB   TV tvB   anúncio/aviso by sB
    shared        anúncio/aviso by M targeting A and B (signed by sA and sB)
    global        a notícia and a news source (Master's, read by all)

Seen from sA (and vA), "own" objects are A's and "other" objects are B's. The world
is inserted directly, in one transaction, for every test case (the ``clean``
fixture empties the tables afterwards), so destructive cases never affect others.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import insert

from expotv.ads.models import Ad
from expotv.auth import tokens
from expotv.auth.models import AuthSession
from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.context import context_of
from expotv.db import utcnow
from expotv.news.models import NewsFeed, NewsItem
from expotv.notices.models import Notice
from expotv.tvs.models import TV
from expotv.users.models import Role, User, viewer_condominium
from expotv.users.schemas import Level
from tests import support

# An id no row has: what "another tenant's object" must be indistinguishable from.
MISSING_ID = 2**31 - 1
MISSING_CODE = "ZZZZZZ"
# The stub resolver answers this host with a public address (feed creates pass
# the SSRF check offline); every other host fails to resolve, at once.
FEED_HOST = "noticias.example.com"
WORLD_FEED_URL = "https://feed.invalid/rss.xml"


@dataclass(frozen=True)
class Tv:
    id: int
    code: str


@dataclass
class World:
    master: User
    sa: User
    sb: User
    va: User
    condos: dict[str, int]
    tvs: dict[str, Tv]
    ads: dict[str, int]
    notices: dict[str, int]
    news_id: int
    feed_id: int
    headers: dict[Level, dict[str, str]] = field(default_factory=dict)

    # Targets: "own" (A's), "other" (B's), "shared" (the Master's item on A and
    # B), "missing" (an id nobody has).
    def condo(self, target: str) -> int:
        return self.condos.get(target, MISSING_ID)

    def tv(self, target: str) -> Tv:
        return self.tvs.get(target, Tv(MISSING_ID, MISSING_CODE))

    def ad(self, target: str) -> int:
        return self.ads.get(target, MISSING_ID)

    def notice(self, target: str) -> int:
        return self.notices.get(target, MISSING_ID)

    def user(self, target: str) -> int:
        # A's user seen by the Master is its Visitante; B's is its Síndico.
        users = {"own": self.va.id, "other": self.sb.id}
        return users.get(target, MISSING_ID)

    def news(self, target: str) -> int:
        return MISSING_ID if target == "missing" else self.news_id

    def feed(self, target: str) -> int:
        return MISSING_ID if target == "missing" else self.feed_id


def png_bytes(color: str = "#336699") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(buffer, format="PNG")
    return buffer.getvalue()


def _user(role: Role, name: str, email: str, **fields: object) -> User:
    values: dict[str, object] = {
        "name": name,
        "email": email,
        "password_hash": support.PASSWORD_HASH,
        "role": role,
        # Room to create: quotas are tested on their own (test_quota).
        "ad_limit": 10,
        "notice_limit": 10,
        "condominium_limit": 2,
    }
    values.update(fields)
    return User(**values)


def _token(settings: Settings, user: User, session_id: str) -> str:
    return tokens.encode(
        settings,
        token_type=tokens.TokenType.ACCESS,
        user_id=user.id,
        session_id=session_id,
        now=utcnow(),
        lifetime=timedelta(seconds=settings.access_token_seconds),
        extra={"email": user.email, "nivel": user.role.value},
    )


async def build_world(app: FastAPI, settings: Settings) -> World:
    now = utcnow()
    async with context_of(app).sessionmaker() as session:
        master = _user(Role.ADMIN, "Master", "master@authz.example.com")
        sa = _user(Role.MANAGER, "Síndica A", "sindico.a@authz.example.com")
        sb = _user(Role.MANAGER, "Síndico B", "sindico.b@authz.example.com")
        va = _user(Role.VIEWER, "Visitante A", "visitante.a@authz.example.com")
        session.add_all([master, sa, sb, va])
        await session.flush()

        condo_a = Condominium(
            name="Residencial A", address="Rua A, 1", manager_id=sa.id
        )
        condo_b = Condominium(
            name="Residencial B", address="Rua B, 2", manager_id=sb.id
        )
        session.add_all([condo_a, condo_b])
        await session.flush()
        await session.execute(
            insert(viewer_condominium).values(user_id=va.id, condominium_id=condo_a.id)
        )

        tv_a = TV(code="AAAAAA", name="Hall A", condominium_id=condo_a.id)
        tv_b = TV(code="BBBBBB", name="Hall B", condominium_id=condo_b.id)
        session.add_all([tv_a, tv_b])

        ad_a = Ad(name="Anúncio A", created_by_id=sa.id, condominiums=[condo_a])
        ad_b = Ad(name="Anúncio B", created_by_id=sb.id, condominiums=[condo_b])
        ad_shared = Ad(
            name="Anúncio AB", created_by_id=master.id, condominiums=[condo_a, condo_b]
        )
        notice_a = Notice(
            name="Aviso A",
            message="Mensagem A",
            created_by_id=sa.id,
            condominiums=[condo_a],
            signers=[sa],
        )
        notice_b = Notice(
            name="Aviso B",
            message="Mensagem B",
            created_by_id=sb.id,
            condominiums=[condo_b],
            signers=[sb],
        )
        notice_shared = Notice(
            name="Aviso AB",
            message="Mensagem AB",
            created_by_id=master.id,
            condominiums=[condo_a, condo_b],
            signers=[sa, sb],
        )
        news = NewsItem(title="Notícia", summary="Resumo", source="EXPO TV")
        feed = NewsFeed(name="Fonte", url=WORLD_FEED_URL)
        session.add_all(
            [ad_a, ad_b, ad_shared, notice_a, notice_b, notice_shared, news, feed]
        )

        sessions = {user.id: tokens.new_id() for user in (master, sa, va)}
        session.add_all(
            AuthSession(id=sid, user_id=uid, expires_at=now + timedelta(days=1))
            for uid, sid in sessions.items()
        )
        await session.commit()

        world = World(
            master=master,
            sa=sa,
            sb=sb,
            va=va,
            condos={"own": condo_a.id, "other": condo_b.id},
            tvs={"own": Tv(tv_a.id, tv_a.code), "other": Tv(tv_b.id, tv_b.code)},
            ads={"own": ad_a.id, "other": ad_b.id, "shared": ad_shared.id},
            notices={
                "own": notice_a.id,
                "other": notice_b.id,
                "shared": notice_shared.id,
            },
            news_id=news.id,
            feed_id=feed.id,
        )
        for level, user in (
            (Level.MASTER, master),
            (Level.SINDICO, sa),
            (Level.VISITANTE, va),
        ):
            token = _token(settings, user, sessions[user.id])
            world.headers[level] = {"Authorization": f"Bearer {token}"}
        return world


async def _resolve(host: str, port: int) -> list[str]:
    if host == FEED_HOST:
        return ["93.184.216.34"]
    raise OSError(f"{host} não resolve nos testes")


@pytest.fixture
def feeds_offline(app: FastAPI) -> Iterator[None]:
    """Feed URLs resolve without the network (see ``FEED_HOST``)."""
    context_of(app).feeds_resolver = _resolve
    try:
        yield
    finally:
        context_of(app).feeds_resolver = None


@pytest.fixture
async def world(
    app: FastAPI, settings: Settings, client: httpx.AsyncClient, feeds_offline: None
) -> World:
    return await build_world(app, settings)
