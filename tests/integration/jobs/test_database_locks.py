from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from expotv.db import utcnow
from expotv.jobs.locks import DatabaseJobCoordinator


async def test_a_held_job_lock_is_refused_until_released(
    database_coordinator: DatabaseJobCoordinator,
) -> None:
    async with database_coordinator.hold("tv-monitor") as first:
        async with database_coordinator.hold("tv-monitor") as second:
            assert first is True
            assert second is False
        async with database_coordinator.hold("content-expiry") as unrelated:
            assert unrelated is True
    async with database_coordinator.hold("tv-monitor") as again:
        assert again is True


async def test_another_instance_is_refused_the_lock_on_mariadb(
    database_coordinator: DatabaseJobCoordinator,
    other_instance: DatabaseJobCoordinator,
    is_mariadb: bool,
) -> None:
    if not is_mariadb:
        pytest.skip("SQLite runs one instance: its job lock is in-process")
    async with (
        database_coordinator.hold("news-feeds") as mine,
        other_instance.hold("news-feeds") as theirs,
    ):
        assert mine is True
        assert theirs is False
    async with other_instance.hold("news-feeds") as theirs_later:
        assert theirs_later is True


async def test_a_period_is_claimed_once_and_never_backwards(
    database_coordinator: DatabaseJobCoordinator,
) -> None:
    now = utcnow()

    async def claim(slot: int) -> bool:
        return await database_coordinator.claim(
            "cache-cleanup", slot, now=now, period_seconds=60
        )

    assert await claim(100) is True
    assert await claim(100) is False
    assert await claim(99) is False
    assert await claim(101) is True


async def test_instances_claiming_the_same_period_together_get_one_winner(
    database_coordinator: DatabaseJobCoordinator,
    other_instance: DatabaseJobCoordinator,
) -> None:
    now = utcnow()
    for slot in (7, 8):
        results = await asyncio.gather(
            *(
                coordinator.claim("tv-monitor", slot, now=now, period_seconds=60)
                for coordinator in (database_coordinator, other_instance) * 3
            )
        )
        assert sorted(results) == [False] * 5 + [True]


async def test_claims_record_when_the_job_last_ran(
    database_coordinator: DatabaseJobCoordinator, factory: object
) -> None:
    from sqlalchemy import select

    from expotv.jobs.models import JobRun

    when = utcnow() - timedelta(seconds=5)
    await database_coordinator.claim("content-expiry", 3, now=when, period_seconds=1)

    sessionmaker = database_coordinator._sessionmaker
    async with sessionmaker() as session:
        run = (await session.scalars(select(JobRun))).one()
    assert (run.name, run.slot) == ("content-expiry", 3)
    assert abs((run.ran_at - when).total_seconds()) < 0.001
