"""How the rest of the code says "these TVs' playlists changed".

Services call ``content_changed`` inside their unit of work: it only records *what*
changed on the session (data, no callback). Whoever owns the unit of work runs the
context's hooks when it ends (``expotv.db.session_scope``: the request's
``DbSession``, jobs, the conversion worker), and ``PlaylistInvalidator`` then applies
the recorded changes after the commit, never on rollback. Exactly the affected TVs:
by condomínio for anúncios/avisos, by TV for a TV's own changes, every TV for
notícias.

``PlaylistInvalidator.apply`` resolves condomínio and TV ids to codes with one query
in a fresh session; ``PlaylistService.invalidate`` deletes those TVs' cached
playlists, clears the "unknown code" entry of a TV just created, and announces the
codes to the other instances.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.playlist import repository
from expotv.tvs.codes import normalize_code

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


class Invalidates(Protocol):
    """What the invalidator needs of the playback engine (``PlaylistService``)."""

    async def invalidate(
        self,
        codes: Iterable[str] = (),
        *,
        all_tvs: bool = False,
        clear_unknown: Iterable[str] = (),
        deleted: Iterable[str] = (),
        local_only: bool = False,
    ) -> None: ...

    def known_codes(self) -> list[str]: ...


class PlaylistInvalidator:
    """The unit-of-work hook that applies recorded changes after a commit.

    Resolves condomínio and TV ids to codes with one query in a fresh session,
    then invalidates exactly those TVs (and announces them to other instances).
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        playlists: Invalidates,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._playlists = playlists

    async def after_commit(self, session: AsyncSession) -> None:
        changes = take_changes(session)
        if changes is None:
            return
        try:
            await self.apply(changes)
        except Exception:
            # The change is committed; a failed invalidation must not turn the
            # request into an error (entries still expire on their own).
            logger.exception("playlist invalidation failed")

    async def after_rollback(self, session: AsyncSession) -> None:
        take_changes(session)

    async def apply(self, changes: PendingChanges) -> None:
        tv_ids = set(changes.tv_ids)
        named_codes = {normalize_code(code) for code in changes.tv_codes}
        if not (changes.all_tvs or changes.condominium_ids or tv_ids or named_codes):
            return
        try:
            async with self._sessionmaker() as session:
                if changes.all_tvs:
                    statement = repository.all_tvs()
                else:
                    statement = repository.tvs_affected(
                        condominium_ids=changes.condominium_ids,
                        tv_ids=tv_ids,
                        tv_codes=named_codes,
                    )
                rows = (await session.execute(statement)).all()
        except Exception as exc:
            logger.error("could not resolve the TVs to invalidate: %r", exc)
            # Conservative: every copy this process knows of is outdated.
            await self._playlists.invalidate(
                {*self._playlists.known_codes(), *named_codes},
                all_tvs=changes.all_tvs,
            )
            return
        found = {row.code for row in rows}
        created_or_named = {
            row.code for row in rows if row.id in tv_ids or row.code in named_codes
        }
        await self._playlists.invalidate(
            found | named_codes,
            all_tvs=changes.all_tvs,
            clear_unknown=created_or_named,
            # Deleted: no fallback for a gone TV.
            deleted=named_codes - found,
        )
