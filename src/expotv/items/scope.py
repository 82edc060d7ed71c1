"""What a caller may see inside an item: its condomínios, TVs and signing síndicos.

Which items a caller sees is decided in SQL (``items.repository``); a visible item
may still target condomínios and TVs (or name síndicos) of other tenants, and those
ids are left out of the response. A TV is visible with its condomínio. ``None``
means "everything" (Master).

Visible síndicos: those of the condomínios the caller may read, plus the caller.
For a Síndico that is only itself (its condomínios are the ones it manages).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.auth import policy
from expotv.condominiums.models import Condominium
from expotv.tvs.models import TV
from expotv.users.models import User


@dataclass(frozen=True, slots=True)
class Scope:
    user: User
    condominium_ids: frozenset[int] | None
    signer_ids: frozenset[int] | None

    def visible_condominiums(self, ids: Iterable[int]) -> list[int]:
        return _visible(self.condominium_ids, ids)

    def hidden_condominiums(self, ids: Iterable[int]) -> set[int]:
        return _hidden(self.condominium_ids, ids)

    def visible_tvs(self, tvs: Iterable[TV]) -> list[int]:
        """The ids of the TVs in condomínios the caller may read."""
        return sorted(
            tv.id
            for tv in tvs
            if self.condominium_ids is None or tv.condominium_id in self.condominium_ids
        )

    def hidden_tvs(self, tvs: Iterable[TV]) -> list[TV]:
        return [
            tv
            for tv in tvs
            if self.condominium_ids is not None
            and tv.condominium_id not in self.condominium_ids
        ]

    def visible_signers(self, ids: Iterable[int]) -> list[int]:
        return _visible(self.signer_ids, ids)

    def hidden_signers(self, ids: Iterable[int]) -> set[int]:
        return _hidden(self.signer_ids, ids)


def _visible(allowed: frozenset[int] | None, ids: Iterable[int]) -> list[int]:
    return sorted(ids if allowed is None else (i for i in ids if i in allowed))


def _hidden(allowed: frozenset[int] | None, ids: Iterable[int]) -> set[int]:
    return set() if allowed is None else {i for i in ids if i not in allowed}


async def load_scope(
    session: AsyncSession, user: User, *, with_signers: bool = False
) -> Scope:
    readable = policy.readable_condominium_ids(user)
    if readable is None:
        return Scope(user=user, condominium_ids=None, signer_ids=None)
    condominium_ids = frozenset(await session.scalars(readable))
    signer_ids = frozenset({user.id})
    if with_signers and condominium_ids:
        managers = await session.scalars(
            select(Condominium.manager_id)
            .where(
                Condominium.id.in_(condominium_ids),
                Condominium.manager_id.is_not(None),
            )
            .distinct()
        )
        signer_ids |= {m for m in managers if m is not None}
    return Scope(user=user, condominium_ids=condominium_ids, signer_ids=signer_ids)
