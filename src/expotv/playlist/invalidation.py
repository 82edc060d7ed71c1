"""How the rest of the code says "these TVs' playlists changed".

Services call ``content_changed`` inside their unit of work: it only records *what*
changed on the session (data, no callback). Whoever owns the unit of work runs the
context's hooks when it ends (``expotv.db.session_scope``: the request's
``DbSession``, jobs, the conversion worker), and ``PlaylistInvalidator`` then applies
the recorded changes after the commit, never on rollback. Exactly the affected TVs:
by condomínio for anúncios/avisos, by TV for a TV's own changes, every TV for
notícias.

``PlaylistService.apply`` resolves condomínio and TV ids to codes with one query in
a fresh session, deletes those TVs' cached playlists, clears the "unknown code"
entry of a TV just created, and announces the codes to the other instances.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

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
    pending.condominium_ids.update(condominium_ids)
    pending.tv_ids.update(tv_ids)
    pending.tv_codes.update(code.strip().upper() for code in tv_codes)
    pending.all_tvs = pending.all_tvs or all_tvs


def take_changes(session: AsyncSession) -> PendingChanges | None:
    """What the unit of work recorded, removed from it (applied once)."""
    pending: PendingChanges | None = session.info.pop(_KEY, None)
    return pending


class ChangeSink(Protocol):
    async def apply(self, changes: PendingChanges) -> None: ...


class PlaylistInvalidator:
    """The unit-of-work hook that applies recorded changes after a commit."""

    def __init__(self, playlists: ChangeSink) -> None:
        self._playlists = playlists

    async def after_commit(self, session: AsyncSession) -> None:
        changes = take_changes(session)
        if changes is None:
            return
        try:
            await self._playlists.apply(changes)
        except Exception:
            # The change is committed; a failed invalidation must not turn the
            # request into an error (entries still expire on their own).
            logger.exception("playlist invalidation failed")

    async def after_rollback(self, session: AsyncSession) -> None:
        take_changes(session)
