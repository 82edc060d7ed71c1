"""``expotv.tasks.Periodic``: an action every few seconds, surviving its failures."""

from __future__ import annotations

import asyncio

from expotv.tasks import Periodic


async def test_a_failing_round_is_reported_and_the_next_one_runs() -> None:
    rounds: list[int] = []
    failures: list[Exception] = []

    async def action() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("Redis fora")

    periodic = Periodic(action, 0.01, failed=failures.append)
    periodic.start()
    for _ in range(200):
        if len(rounds) >= 3:
            break
        await asyncio.sleep(0.01)
    await periodic.stop()
    stopped_at = len(rounds)
    await asyncio.sleep(0.05)

    assert stopped_at >= 3
    assert [str(f) for f in failures] == ["Redis fora"]
    assert len(rounds) == stopped_at  # nothing runs after stop
