from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from expotv.auth.dependencies import CurrentUser
from expotv.condominiums import service
from expotv.condominiums.models import Condominium
from expotv.deps import DbSession
from expotv.schemas import RowId

CondominiumId = Annotated[RowId, Path(description="id do condomínio")]


async def get_visible_condominium(
    condominium_id: CondominiumId, user: CurrentUser, session: DbSession
) -> Condominium:
    return await service.get_visible(session, condominium_id, user=user)


VisibleCondominium = Annotated[Condominium, Depends(get_visible_condominium)]
