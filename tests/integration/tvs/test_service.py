"""Service-level checks: code lookups, code collisions, playlist invalidation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.condominiums import service as condominium_service
from expotv.condominiums.models import Condominium
from expotv.context import context_of
from expotv.playlist.invalidation import PendingChanges
from expotv.tvs import repository, service
from expotv.tvs.schemas import TVCreate, TVRatiosUpdate, TVUpdate
from expotv.users.models import User
from tests.integration.condominiums import arrange
from tests.support import Factory


@pytest.fixture
async def session(app: FastAPI, clean: None) -> AsyncIterator[AsyncSession]:
    async with context_of(app).sessionmaker() as db:
        yield db
        await db.rollback()


def changes(session: AsyncSession) -> PendingChanges:
    pending: PendingChanges = session.info.get("playlist_changes", PendingChanges())
    return pending


async def test_get_by_code_ignores_case_and_spaces(
    session: AsyncSession, factory: Factory, admin: User
) -> None:
    condo = await arrange.condominium(factory)
    tv = await arrange.tv(factory, condo, code="ABC234")
    for typed in ("ABC234", "abc234", " aBc234\n"):
        found = await repository.get_by_code(session, typed)
        assert found is not None, typed
        assert found.id == tv.id
    assert await repository.get_by_code(session, "ABC235") is None
    assert await repository.get_by_code(session, "") is None
    assert await repository.get_by_code(session, "ABC2345") is None


async def test_create_retries_when_the_drawn_code_is_taken(
    session: AsyncSession,
    factory: Factory,
    admin: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    condo = await arrange.condominium(factory)
    await arrange.tv(factory, condo, code="TAKEN2")
    draws = iter(["TAKEN2", "TAKEN2", "FRESH3"])
    monkeypatch.setattr(service, "generate_code", lambda: next(draws))

    tv = await service.create(
        session, TVCreate(name="TV", condominium_id=condo.id), user=admin
    )
    assert tv.code == "FRESH3"


async def test_tv_changes_invalidate_that_tv(
    session: AsyncSession, factory: Factory, admin: User
) -> None:
    first = await arrange.condominium(factory)
    second = await arrange.condominium(factory, "Outro")

    tv = await service.create(
        session, TVCreate(name="TV", condominium_id=first.id), user=admin
    )
    assert changes(session).tv_ids == {tv.id}
    session.info.pop("playlist_changes")

    await service.update(session, tv, TVUpdate(condominium_id=second.id), user=admin)
    assert changes(session).tv_ids == {tv.id}
    session.info.pop("playlist_changes")

    await service.set_ratios(session, tv, TVRatiosUpdate(ad_ratio=2), user=admin)
    assert changes(session).tv_ids == {tv.id}
    session.info.pop("playlist_changes")

    code = tv.code
    await service.delete(session, tv, user=admin)
    assert changes(session).tv_codes == {code}


async def test_deleting_a_condominium_invalidates_its_tvs_by_code(
    session: AsyncSession, factory: Factory, admin: User
) -> None:
    condo = await arrange.condominium(factory)
    tvs = [await arrange.tv(factory, condo, name=f"TV {n}") for n in range(2)]
    loaded: Any = await condominium_service.get_visible(session, condo.id, user=admin)
    assert isinstance(loaded, Condominium)

    await condominium_service.delete(session, loaded, user=admin, force=True)
    pending = changes(session)
    assert pending.tv_codes == {tv.code for tv in tvs}
    assert condo.id in pending.condominium_ids
