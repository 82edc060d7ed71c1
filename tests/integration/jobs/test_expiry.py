from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from expotv.ads.models import Ad
from expotv.config import Settings
from expotv.content import ContentStatus
from expotv.db import utcnow
from expotv.jobs.expiry import expire_content, expire_items
from expotv.notices.models import Notice
from expotv.playlist.invalidation import PendingChanges
from tests import support
from tests.integration.jobs.helpers import ad, condominium, notice


async def test_items_past_their_expiry_become_expired(
    client: object, factory: support.Factory, settings: Settings
) -> None:
    now = utcnow()
    condo = await condominium(factory)
    past, future = now - timedelta(minutes=1), now + timedelta(days=1)
    expired_ad = await ad(factory, condo, status=ContentStatus.ACTIVE, expires_at=past)
    live_ad = await ad(factory, condo, status=ContentStatus.ACTIVE, expires_at=future)
    forever_ad = await ad(factory, condo, status=ContentStatus.ACTIVE, expires_at=None)
    paused = await notice(
        factory, condo, status=ContentStatus.INACTIVE, expires_at=past
    )
    converting = await notice(
        factory, condo, status=ContentStatus.PROCESSING, expires_at=past
    )
    exact = await notice(factory, condo, status=ContentStatus.ACTIVE, expires_at=now)

    changed = await expire_content(factory.sessionmaker, settings, now=now)

    assert changed == 3
    async with factory.sessionmaker() as session:
        ads = dict((await session.execute(select(Ad.id, Ad.status))).all())
        notices = dict((await session.execute(select(Notice.id, Notice.status))).all())
    assert ads == {
        expired_ad: ContentStatus.EXPIRED,
        live_ad: ContentStatus.ACTIVE,
        forever_ad: ContentStatus.ACTIVE,
    }
    assert notices == {
        paused: ContentStatus.EXPIRED,
        converting: ContentStatus.PROCESSING,
        exact: ContentStatus.EXPIRED,
    }


async def test_expiry_touches_updated_at(
    client: object, factory: support.Factory, settings: Settings
) -> None:
    now = utcnow()
    condo = await condominium(factory)
    item = await ad(
        factory, condo, status=ContentStatus.ACTIVE, expires_at=now - timedelta(days=1)
    )
    async with factory.sessionmaker() as session:
        before = (await session.get(Ad, item)).updated_at  # type: ignore[union-attr]

    await expire_content(factory.sessionmaker, settings, now=now)

    async with factory.sessionmaker() as session:
        after = (await session.get(Ad, item)).updated_at  # type: ignore[union-attr]
    assert after > before


async def test_only_condominiums_that_played_an_expired_item_are_invalidated(
    client: object, factory: support.Factory
) -> None:
    now = utcnow()
    past = now - timedelta(seconds=1)
    playing = await condominium(factory)
    paused_only = await condominium(factory)
    untouched = await condominium(factory)
    await ad(factory, playing, status=ContentStatus.ACTIVE, expires_at=past)
    await notice(factory, paused_only, status=ContentStatus.INACTIVE, expires_at=past)
    await notice(factory, untouched, status=ContentStatus.ACTIVE, expires_at=None)

    async with factory.sessionmaker() as session:
        changed = await expire_items(session, now=now)
        pending: PendingChanges = session.info["playlist_changes"]
        await session.rollback()

    assert changed == 2
    assert pending.condominium_ids == {playing}
    assert not pending.all_tvs


async def test_nothing_to_expire_changes_nothing(
    client: object, factory: support.Factory
) -> None:
    condo = await condominium(factory)
    await ad(factory, condo, status=ContentStatus.ACTIVE, expires_at=None)

    async with factory.sessionmaker() as session:
        changed = await expire_items(session, now=utcnow())
        assert "playlist_changes" not in session.info

    assert changed == 0
