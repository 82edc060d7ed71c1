from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from expotv.cache import keys
from expotv.cache.redis import RedisLink
from expotv.db import utcnow
from expotv.jobs.locks import DatabaseJobCoordinator, RedisJobCoordinator
from expotv.jobs.models import JobRun
from expotv.scheduler import Job, JobRunner, slot_of
from tests import support

pytestmark = pytest.mark.redis


def job_runs(job: str, result: str) -> float:
    value = support.sample_value(
        "expotv_job_runs_total", {"job": job, "result": result}
    )
    return value or 0.0


async def test_only_one_instance_holds_a_job_lock(
    redis_coordinators: list[RedisJobCoordinator],
) -> None:
    a, b = redis_coordinators
    async with a.hold("tv-monitor") as mine, b.hold("tv-monitor") as theirs:
        assert (mine, theirs) == (True, False)
    async with b.hold("tv-monitor") as theirs_later:
        assert theirs_later is True


async def test_a_lock_taken_over_after_its_ttl_is_not_released_by_the_old_holder(
    redis_coordinators: list[RedisJobCoordinator], redis_links: list[RedisLink]
) -> None:
    a, _ = redis_coordinators
    client = redis_links[0].client
    key = redis_links[0].key(keys.job_lock("news-feeds"))
    async with a.hold("news-feeds") as mine:
        assert mine is True
        # As if our TTL ran out during a pause and another instance took the lock.
        await client.set(key, b"someone-else", px=30_000)

    assert await client.get(key) == b"someone-else"


async def test_a_running_job_keeps_its_lock_past_the_ttl(
    redis_links: list[RedisLink], database_coordinator: DatabaseJobCoordinator
) -> None:
    a, b = (
        RedisJobCoordinator(link, fallback=database_coordinator, lock_ttl_seconds=0.2)
        for link in redis_links
    )
    async with a.hold("content-expiry") as mine:
        await asyncio.sleep(0.35)  # longer than the TTL: only renewal keeps it
        async with b.hold("content-expiry") as theirs:
            assert (mine, theirs) == (True, False)


async def test_a_period_is_claimed_once_across_instances(
    redis_coordinators: list[RedisJobCoordinator], redis_links: list[RedisLink]
) -> None:
    now = utcnow()
    results = await asyncio.gather(
        *(
            coordinator.claim("cache-cleanup", 42, now=now, period_seconds=60)
            for coordinator in redis_coordinators * 3
        )
    )
    assert sorted(results) == [False] * 5 + [True]
    assert not await redis_coordinators[1].claim(
        "cache-cleanup", 41, now=now, period_seconds=60
    )
    record = await redis_links[0].client.hgetall(
        redis_links[0].key(keys.job_last_run("cache-cleanup"))
    )
    assert record == {b"slot": b"42", b"ran_at": now.isoformat().encode()}


async def test_jobs_fall_back_to_database_locks_while_redis_is_down(
    database_coordinator: DatabaseJobCoordinator, factory: support.Factory
) -> None:
    link = RedisLink.from_url(
        f"redis://127.0.0.1:{support.free_port()}/0", prefix="expotv-nowhere"
    )
    coordinator = RedisJobCoordinator(link, fallback=database_coordinator)
    now = utcnow()
    try:
        async with coordinator.hold("tv-monitor") as held:
            assert held is True
            async with database_coordinator.hold("tv-monitor") as also:
                assert also is False
        assert await coordinator.claim("tv-monitor", 9, now=now, period_seconds=60)
        assert not await coordinator.claim("tv-monitor", 9, now=now, period_seconds=60)
    finally:
        await link.close()

    async with factory.sessionmaker() as session:
        run = await session.get(JobRun, "tv-monitor")
    assert run is not None
    assert run.slot == 9


async def test_two_instances_firing_in_one_period_run_the_job_once(
    redis_coordinators: list[RedisJobCoordinator],
) -> None:
    calls: list[str] = []

    async def work(now: object) -> str:
        calls.append("ran")
        await asyncio.sleep(0.01)
        return "feito"

    job = Job("test-once", 60, work)
    runners = [JobRunner(coordinator) for coordinator in redis_coordinators]
    # Timers fire on multiples of the period; a late one is still nearest to it.
    base = datetime.fromtimestamp(slot_of(utcnow(), 60) * 60, UTC)
    ok_before = job_runs("test-once", "ok")
    skipped_before = job_runs("test-once", "skipped")

    first = await asyncio.gather(
        runners[0].run(job, now=base), runners[1].run(job, now=base)
    )
    # The second instance's timer fires later, still within the same period.
    late = await runners[1].run(job, now=base + timedelta(seconds=20))
    next_period = await runners[1].run(job, now=base + timedelta(seconds=60))

    assert sorted(first) == ["ok", "skipped"]
    assert late == "skipped"
    assert next_period == "ok"
    assert calls == ["ran", "ran"]
    assert job_runs("test-once", "ok") == ok_before + 2
    assert job_runs("test-once", "skipped") == skipped_before + 2
    assert slot_of(base + timedelta(seconds=60), 60) == slot_of(base, 60) + 1


async def test_a_failing_job_is_counted_and_does_not_hold_the_lock(
    redis_coordinators: list[RedisJobCoordinator],
) -> None:
    async def broken(now: object) -> None:
        raise RuntimeError("boom")

    job = Job("test-broken", 60, broken)
    runner = JobRunner(redis_coordinators[0])
    before = job_runs("test-broken", "error")

    assert await runner.run(job, now=utcnow()) == "error"
    assert job_runs("test-broken", "error") == before + 1
    async with redis_coordinators[1].hold("test-broken") as free:
        assert free is True


async def test_job_run_rows_are_not_used_while_redis_is_up(
    redis_coordinators: list[RedisJobCoordinator], factory: support.Factory
) -> None:
    await redis_coordinators[0].claim("tv-monitor", 1, now=utcnow(), period_seconds=1)

    async with factory.sessionmaker() as session:
        assert (await session.scalars(select(JobRun))).all() == []
