"""A unit of work ends with its effects and hooks each run on its own.

The transaction has already ended when they run: one that raises is logged and
the others still run, and the caller sees its own outcome (a route's 401 stays a
401 however a clean-up fails).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, HTTPException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.config import Settings
from expotv.context import context_of
from expotv.db import (
    AfterCommit,
    SessionFactory,
    on_commit,
    on_rollback,
    session_scope,
)
from expotv.deps import DbSession
from expotv.main import create_app
from expotv.playlist.invalidation import (
    PendingChanges,
    PlaylistInvalidator,
    content_changed,
)
from expotv.users.models import Role, User


class Boom(Exception):
    pass


def effect(ran: list[str], name: str) -> AfterCommit:
    """An effect that records its name, or raises when its name is "boom"."""

    async def run() -> None:
        if name == "boom":
            raise Boom(name)
        ran.append(name)

    return run


class RecordingHook:
    def __init__(self, ran: list[str], name: str, *, fails: bool = False) -> None:
        self.ran, self.name, self.fails = ran, name, fails

    async def after_commit(self, session: AsyncSession) -> None:
        if self.fails:
            raise Boom(self.name)
        self.ran.append(f"{self.name}:commit")

    async def after_rollback(self, session: AsyncSession) -> None:
        if self.fails:
            raise Boom(self.name)
        self.ran.append(f"{self.name}:rollback")


@pytest.fixture
def sessionmaker(app: FastAPI, clean: None) -> SessionFactory:
    # A factory of its own: hooks added here do not reach the app's requests.
    return SessionFactory(context_of(app).engine)


async def test_a_failing_commit_effect_is_logged_and_the_others_still_run(
    sessionmaker: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []
    sessionmaker.hooks.append(RecordingHook(ran, "broken", fails=True))
    sessionmaker.hooks.append(RecordingHook(ran, "invalidator"))

    async with session_scope(sessionmaker) as session:
        session.add(
            User(
                name="Ana", email="ana@example.com", password_hash="x", role=Role.ADMIN
            )
        )
        for name in ("first", "boom", "last"):
            on_commit(session, effect(ran, name))
        on_rollback(session, effect(ran, "never"))

    assert ran == ["first", "last", "invalidator:commit"]
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 2  # the effect and the hook, each logged
    async with sessionmaker() as session:
        assert await session.scalar(select(User.name)) == "Ana"


async def test_a_failing_rollback_effect_does_not_replace_the_error(
    sessionmaker: SessionFactory,
) -> None:
    ran: list[str] = []
    sessionmaker.hooks.append(RecordingHook(ran, "broken", fails=True))
    sessionmaker.hooks.append(RecordingHook(ran, "invalidator"))

    async def refused() -> None:
        async with session_scope(sessionmaker) as session:
            session.add(
                User(
                    name="Bia",
                    email="bia@example.com",
                    password_hash="x",
                    role=Role.ADMIN,
                )
            )
            for name in ("boom", "delete-objects"):
                on_rollback(session, effect(ran, name))
            on_commit(session, effect(ran, "never"))
            raise HTTPException(status_code=401)

    with pytest.raises(HTTPException) as caught:
        await refused()

    assert caught.value.status_code == 401
    assert ran == ["delete-objects", "invalidator:rollback"]
    async with sessionmaker() as session:
        assert await session.scalar(select(User.name)) is None


async def test_recorded_changes_are_applied_once_after_commit_and_dropped_on_rollback(
    sessionmaker: SessionFactory, app: FastAPI
) -> None:
    applied: list[set[int]] = []

    class Recording(PlaylistInvalidator):
        async def apply(self, changes: PendingChanges) -> None:
            applied.append(set(changes.condominium_ids))

    sessionmaker.hooks.append(Recording(sessionmaker, context_of(app).playlists))
    async with session_scope(sessionmaker) as session:
        content_changed(session, condominium_ids=[1])
        content_changed(session, condominium_ids=[2])

    async def failed() -> None:
        async with session_scope(sessionmaker) as session:
            content_changed(session, condominium_ids=[3])
            raise Boom()

    with pytest.raises(Boom):
        await failed()

    assert applied == [{1, 2}]


@pytest.fixture
async def failing_app(settings: Settings, clean: None) -> AsyncIterator[FastAPI]:
    application = create_app(settings)

    async def refused(session: DbSession) -> None:
        async def broken_cleanup() -> None:
            raise Boom("clean-up")

        on_rollback(session, broken_cleanup)
        raise HTTPException(status_code=401, detail="não autenticado")

    application.add_api_route("/teste/recusado", refused, methods=["POST"])
    async with LifespanManager(application, startup_timeout=30):
        yield application


async def test_a_401_stays_a_401_when_a_rollback_effect_fails(
    failing_app: FastAPI,
) -> None:
    transport = httpx.ASGITransport(app=failing_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post("/teste/recusado")

    assert response.status_code == 401
    assert response.json()["detail"] == "não autenticado"
