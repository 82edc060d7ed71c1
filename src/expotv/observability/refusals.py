"""Counting what the abuse limits refuse: ``expotv_refused_total{surface,reason}``.

``surface`` is where the request came in (``content``, ``ping``, ``websocket``,
``player``, ``login``, ``account``, ``register``), ``reason`` the refusal's stable
``code`` (``tv_lookup_rate_limited``, ``ws_code_full``, ...): both bounded sets,
never an address or a TV code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from expotv.errors import RateLimited
from expotv.observability.metrics import REFUSED


def count_refusal(surface: str, reason: str) -> None:
    REFUSED.labels(surface=surface, reason=reason).inc()


@contextmanager
def refusals(surface: str) -> Iterator[None]:
    """Count every 429 (``RateLimited``) leaving the block, then let it go on."""
    try:
        yield
    except RateLimited as exc:
        count_refusal(surface, exc.code)
        raise
