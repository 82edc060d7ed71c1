"""``Batcher``: concurrent single-key loads become one load of many."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import pytest

from expotv.batching import Batcher


class Loads:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.fail = fail

    async def __call__(self, keys: Sequence[str]) -> Mapping[str, int]:
        self.calls.append(list(keys))
        await asyncio.sleep(0)
        if self.fail:
            raise ValueError("banco fora")
        return {key: len(key) for key in keys if key != "none"}


async def test_keys_asked_together_load_together() -> None:
    loads = Loads()
    batcher: Batcher[str, int] = Batcher(loads, window_seconds=0.01)

    found = await asyncio.gather(*(batcher.get(k) for k in ("a", "bb", "a", "none")))

    assert found == [1, 2, 1, None]
    assert loads.calls == [["a", "bb", "none"]]


async def test_keys_asked_a_little_later_join_the_batch() -> None:
    loads = Loads()
    batcher: Batcher[str, int] = Batcher(loads, window_seconds=0.05)

    async def later(key: str) -> int | None:
        await asyncio.sleep(0.001)
        return await batcher.get(key)

    assert await asyncio.gather(batcher.get("a"), later("ccc")) == [1, 3]
    assert len(loads.calls) == 1


async def test_a_batch_is_split_at_its_maximum() -> None:
    loads = Loads()
    batcher: Batcher[str, int] = Batcher(loads, max_batch=2, window_seconds=0)

    await asyncio.gather(*(batcher.get(k) for k in ("a", "b", "c")))

    assert sorted(map(len, loads.calls)) == [1, 2]


async def test_a_failed_load_fails_every_waiter() -> None:
    batcher: Batcher[str, int] = Batcher(Loads(fail=True), window_seconds=0)

    results = await asyncio.gather(
        batcher.get("a"), batcher.get("b"), return_exceptions=True
    )

    assert all(isinstance(r, ValueError) for r in results)


async def test_a_waiter_that_gives_up_does_not_cancel_the_others() -> None:
    loads = Loads()
    batcher: Batcher[str, int] = Batcher(loads, window_seconds=0.02)
    impatient = asyncio.ensure_future(batcher.get("a"))
    patient = asyncio.ensure_future(batcher.get("a"))
    await asyncio.sleep(0)
    impatient.cancel()

    assert await patient == 1
    with pytest.raises(asyncio.CancelledError):
        await impatient
