"""How the rest of the code says "these TVs' playlists changed".

Services call ``content_changed`` inside their unit of work; the affected playlists
are invalidated (and the TVs nudged) only after the commit, never on rollback.
Exactly the affected TVs: by condomínio for anúncios/avisos, by TV for a TV's own
changes, every TV for notícias.

After the commit, ``PlaylistService.apply`` (on ``app.state.playlists``, reached
through the session's ``info["state"]``) resolves condomínio and TV ids to codes
with one query in a fresh session, deletes those TVs' cached playlists, clears the
"unknown code" entry of a TV just created, and lets the realtime hooks know.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from expotv.db import on_commit, on_rollback

logger = logging.getLogger(__name__)

_KEY = "playlist_changes"


@dataclass
class PendingChanges:
    condominium_ids: set[int] = field(default_factory=set)
    tv_ids: set[int] = field(default_factory=set)
    tv_codes: set[str] = field(default_factory=set)
    all_tvs: bool = False


def content_changed(
    session: AsyncSession,
    *,
    condominium_ids: Iterable[int] = (),
    tv_ids: Iterable[int] = (),
    tv_codes: Iterable[str] = (),
    all_tvs: bool = False,
) -> None:
    """Record that the playlists of these TVs change when ``session`` commits.

    A deleted TV must be named by ``tv_codes`` (its row is gone after the commit).
    """
    pending: PendingChanges | None = session.info.get(_KEY)
    if pending is None:
        pending = session.info[_KEY] = PendingChanges()
        _after_commit(session, pending)
    pending.condominium_ids.update(condominium_ids)
    pending.tv_ids.update(tv_ids)
    pending.tv_codes.update(code.strip().upper() for code in tv_codes)
    pending.all_tvs = pending.all_tvs or all_tvs


def _after_commit(session: AsyncSession, pending: PendingChanges) -> None:
    def forget() -> None:
        if session.info.get(_KEY) is pending:
            del session.info[_KEY]

    async def apply() -> None:
        forget()
        playlists: Any = getattr(session.info.get("state"), "playlists", None)
        if playlists is None:
            # A session made outside the app (scripts): nothing cached here.
            return
        try:
            await playlists.apply(pending)
        except Exception:
            # The change is committed; a failed invalidation must not turn the
            # request into an error (entries still expire on their own).
            logger.exception("playlist invalidation failed")

    async def discard() -> None:
        forget()

    on_commit(session, apply)
    on_rollback(session, discard)
