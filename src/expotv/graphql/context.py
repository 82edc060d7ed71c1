"""One GraphQL request's context: who calls (as REST decides it), its unit of work,
its clock and its DataLoaders.

    credentials   read from the request before anything else (no SQL): the Bearer
                  token, else the dashboard's session cookie; none or an invalid
                  one is answered 401 before the query is even parsed
    user          the live session's user, loaded once the query passed the limits
                  (``extension.RequestGuard``), with the SQL that REST uses
    session       one unit of work for the request (``router``): committed when
                  every operation succeeded, rolled back otherwise; resolvers
                  run concurrently, so they take it through ``database()``
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from expotv.auth import tokens
from expotv.config import Settings
from expotv.context import AppContext
from expotv.db import utcnow
from expotv.graphql.errors import Refused, unauthenticated
from expotv.items.scope import Scope, load_scope
from expotv.ui.painel.session import session_claims
from expotv.users.models import User

if TYPE_CHECKING:
    from expotv.graphql.loaders import Loaders


@dataclass(frozen=True, slots=True)
class Credentials:
    user_id: int
    session_id: str
    # The dashboard's cookie: mutations must also carry its CSRF token.
    via_cookie: bool


def read_credentials(request: Request, settings: Settings) -> Credentials:
    """The caller's claimed identity, or ``Refused`` (401) without a valid one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        try:
            claims = tokens.decode(
                settings, token.strip(), expected=tokens.TokenType.ACCESS
            )
        except tokens.InvalidToken:
            raise unauthenticated("credenciais inválidas ou expiradas") from None
        return Credentials(claims.user_id, claims.session_id, via_cookie=False)
    cookie = session_claims(request, settings)
    if cookie is not None:
        return Credentials(cookie.user_id, cookie.session_id, via_cookie=True)
    raise unauthenticated()


class GraphQLContext(BaseContext):
    def __init__(
        self,
        app: AppContext,
        credentials: Credentials | None,
        refusal: Refused | None = None,
    ) -> None:
        super().__init__()
        self.app = app
        self.settings = app.settings
        self.credentials = credentials
        # A refusal found while reading the request, answered before parsing.
        self.refusal = refusal
        self.now: datetime = utcnow()
        self.is_batch = False
        # Reached execution (validation passed): errors after it are answers.
        self.executed = False
        # The HTTP status of a request refused as a whole (None: 200).
        self.status_code: int | None = None
        self._session: AsyncSession | None = None
        self._user: User | None = None
        self._scopes: dict[bool, Scope] = {}
        self._loaders: Loaders | None = None
        self._session_lock = asyncio.Lock()

    def use_session(self, session: AsyncSession) -> None:
        """The request's unit of work (opened by the router), lent by ``database``."""
        self._session = session

    @asynccontextmanager
    async def database(self) -> AsyncIterator[AsyncSession]:
        """The session, for one caller at a time.

        GraphQL resolves sibling fields concurrently (that is how DataLoaders
        batch), and an ``AsyncSession`` must not run two statements at once: every
        piece of code that queries holds this while it does, and never awaits a
        DataLoader meanwhile (the loader would wait for the lock it holds).
        """
        if self._session is None:
            raise RuntimeError("a sessão do GraphQL ainda não foi aberta")
        async with self._session_lock:
            yield self._session

    @property
    def user(self) -> User:
        if self._user is None:
            raise RuntimeError("o usuário do GraphQL ainda não foi autenticado")
        return self._user

    @user.setter
    def user(self, user: User) -> None:
        self._user = user

    @property
    def loaders(self) -> Loaders:
        # Imported here: the loaders take this context.
        from expotv.graphql.loaders import Loaders

        if self._loaders is None:
            self._loaders = Loaders(self)
        return self._loaders

    async def scope(self, *, with_signers: bool = False) -> Scope:
        """What the caller sees inside items (loaded once per request)."""
        scope = self._scopes.get(with_signers)
        if scope is None:
            async with self.database() as session:
                scope = await load_scope(session, self.user, with_signers=with_signers)
            self._scopes[with_signers] = scope
        return scope


Info = StrawberryInfo[GraphQLContext, None]
