"""The TVs with a socket on this process, and the nudges they get.

``watch``/``unwatch`` bracket a WebSocket connection. After an invalidation the
watched TVs' playlists are rebuilt (``refresh``), and whenever a watched TV's
versao changes the observers hear ``(code, versao)`` (the socket hub).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable

from expotv.tvs.codes import normalize_code

logger = logging.getLogger(__name__)

VersionObserver = Callable[[str, str], Awaitable[None]]


class WatchedTVs:
    def __init__(self) -> None:
        self._watched: Counter[str] = Counter()
        self.on_version_changed: list[VersionObserver] = []

    def watch(self, code: str) -> None:
        self._watched[normalize_code(code)] += 1

    def unwatch(self, code: str) -> None:
        code = normalize_code(code)
        self._watched[code] -= 1
        if self._watched[code] <= 0:
            del self._watched[code]

    def __contains__(self, code: object) -> bool:
        return self._watched[code] > 0 if isinstance(code, str) else False

    def among(self, codes: Iterable[str] | None) -> list[str]:
        """The watched codes of ``codes`` (every watched code for None)."""
        if codes is None:
            return list(self._watched)
        wanted = set(codes)
        return [code for code in self._watched if code in wanted]

    async def notify(self, code: str, version: str) -> None:
        for observer in self.on_version_changed:
            try:
                await observer(code, version)
            except Exception:
                logger.exception("playlist version observer failed")
