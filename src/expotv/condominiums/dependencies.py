from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path

from expotv.auth.dependencies import CurrentUser
from expotv.condominiums import service
from expotv.condominiums.models import Condominium
from expotv.condominiums.schemas import CondominiumRead
from expotv.deps import AppSettings, DbSession, PresenceDep, RequestTime
from expotv.pagination import Page, PageResult, page_of
from expotv.schemas import RowId
from expotv.tvs.presence import Presence

CondominiumId = Annotated[RowId, Path(description="id do condomínio")]


async def get_visible_condominium(
    condominium_id: CondominiumId, user: CurrentUser, session: DbSession
) -> Condominium:
    return await service.get_visible(session, condominium_id, user=user)


VisibleCondominium = Annotated[Condominium, Depends(get_visible_condominium)]


@dataclass(frozen=True, slots=True)
class CondominiumReader:
    """Condomínios as this request shows them: their TVs' status as of its ``now``,
    and ``fuso_horario`` falling back to EXPOTV_TIMEZONE."""

    presence: Presence
    now: datetime
    default_zone: str

    async def one(self, condominium: Condominium) -> CondominiumRead:
        return await service.read(
            condominium,
            now=self.now,
            presence=self.presence,
            default_zone=self.default_zone,
        )

    async def page(self, result: PageResult[Condominium]) -> Page[CondominiumRead]:
        tvs = (tv for condominium in result.items for tv in condominium.tvs)
        pending = await self.presence.pending(tvs)
        return page_of(
            result,
            lambda condominium: service.to_read(
                condominium,
                now=self.now,
                presence=self.presence,
                pending=pending,
                default_zone=self.default_zone,
            ),
        )


async def get_condominium_reader(
    presence: PresenceDep, settings: AppSettings, now: RequestTime
) -> CondominiumReader:
    return CondominiumReader(presence=presence, now=now, default_zone=settings.timezone)


Condominiums = Annotated[CondominiumReader, Depends(get_condominium_reader)]
