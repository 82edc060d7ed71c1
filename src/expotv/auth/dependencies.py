"""Who is calling: ``CurrentUser`` and the role guards built on it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from expotv.auth import sessions, tokens
from expotv.auth.exceptions import Unauthorized
from expotv.context import context_of
from expotv.db import utcnow
from expotv.deps import DbSession
from expotv.errors import Forbidden
from expotv.users.models import Role, User

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/login", auto_error=False)


async def get_current_user(
    request: Request,
    session: DbSession,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    if not token:
        raise Unauthorized("autenticação necessária")
    context = context_of(request.app)
    try:
        claims = tokens.decode(
            context.settings, token, expected=tokens.TokenType.ACCESS
        )
    except tokens.InvalidToken:
        raise Unauthorized() from None
    user = await sessions.user_of_live_session(
        session,
        cache=context.cache,
        ttl_seconds=context.settings.auth_cache_seconds,
        user_id=claims.user_id,
        session_id=claims.session_id,
        now=utcnow(),
    )
    if user is None:
        raise Unauthorized()
    request.state.user_id = user.id
    request.state.session_id = claims.session_id
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_session_id(request: Request, _user: CurrentUser) -> str:
    session_id: str = request.state.session_id
    return session_id


# The login session (``sid``) of the calling access token.
CurrentSessionId = Annotated[str, Depends(get_current_session_id)]


def require_role(*roles: Role) -> Callable[[User], Awaitable[User]]:
    async def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden()
        return user

    return check


AdminUser = Annotated[User, Depends(require_role(Role.ADMIN))]
# Any level that may write something (Visitantes are read-only).
WriterUser = Annotated[User, Depends(require_role(Role.ADMIN, Role.MANAGER))]
