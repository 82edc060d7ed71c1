from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from expotv.auth.dependencies import AdminUser
from expotv.deps import DbSession
from expotv.schemas import RowId
from expotv.users import service as user_service
from expotv.users.models import User

UserId = Annotated[RowId, Path(description="id do usuário")]


async def get_managed_user(user_id: UserId, session: DbSession, _: AdminUser) -> User:
    # The level is checked first: a Síndico asking for any id gets 403, never 404.
    return await user_service.get(session, user_id)


ManagedUser = Annotated[User, Depends(get_managed_user)]
