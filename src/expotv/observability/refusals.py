"""Counting what the abuse limits refuse: ``expotv_refused_total{surface,reason}``.

``surface`` is where the request came in (``content``, ``ping``, ``websocket``,
``player``, ``login``, ``account``, ``register``), ``reason`` the refusal's stable
``code`` (``tv_lookup_rate_limited``, ``ws_code_full``, ...): both bounded sets,
never an address or a TV code.
"""

from __future__ import annotations

from types import TracebackType

from expotv.errors import RateLimited
from expotv.observability.metrics import REFUSED


def count_refusal(surface: str, reason: str) -> None:
    REFUSED.labels(surface=surface, reason=reason).inc()


class refusals:  # noqa: N801 - used as a function: ``with refusals("ping"):``
    """Count every 429 (``RateLimited``) leaving the block, then let it go on.
    (A class: ``@contextmanager``'s generator cost every TV request ~2 µs.)"""

    __slots__ = ("surface",)

    def __init__(self, surface: str) -> None:
        self.surface = surface

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(exc, RateLimited):
            count_refusal(self.surface, exc.code)
