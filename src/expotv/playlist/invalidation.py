"""How the rest of the code says "these TVs' playlists changed".

Services call ``content_changed`` inside their unit of work; the affected playlists
are invalidated (and the TVs nudged) only after the commit, never on rollback.
Exactly the affected TVs: by condomínio for anúncios/avisos, by TV for a TV's own
changes, every TV for notícias.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession


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
    pending: PendingChanges = session.info.setdefault(
        "playlist_changes", PendingChanges()
    )
    pending.condominium_ids.update(condominium_ids)
    pending.tv_ids.update(tv_ids)
    pending.tv_codes.update(code.upper() for code in tv_codes)
    pending.all_tvs = pending.all_tvs or all_tvs
