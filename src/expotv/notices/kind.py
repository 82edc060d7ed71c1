"""Avisos: a content item with its text and the síndicos who sign it; the file
is optional (and may be removed). An aviso may be an emergency (``emergencia``):
while one is "ativo" its TVs play only emergencies (``playlist.eligibility``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pydantic import MISSING
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.db import on_commit
from expotv.items.exceptions import TargetNotFound
from expotv.items.kind import ContentKind, KindNames
from expotv.items.scope import Scope
from expotv.media.service import StoredMedia
from expotv.notices import repository as notice_repo
from expotv.notices.exceptions import SignerInvalid
from expotv.notices.models import Notice
from expotv.notices.schemas import NoticeCreate, NoticeRead, NoticeUpdate
from expotv.users.models import Role, User
from expotv.users.schemas import LEVEL_BY_ROLE

log = logging.getLogger(__name__)

DEFAULT_DURATION_SECONDS = 15


class NoticeKind(ContentKind[Notice, NoticeCreate, NoticeUpdate, NoticeRead]):
    names = KindNames(code="notice", path="/avisos", singular="aviso", plural="avisos")
    loads = (Notice.signers,)
    scope_has_signers = True

    def limit_of(self, user: User) -> int:
        return user.notice_limit

    def default_duration(self, stored: StoredMedia | None) -> int:
        return DEFAULT_DURATION_SECONDS

    async def fill(
        self,
        session: AsyncSession,
        item: Notice,
        data: NoticeCreate,
        *,
        scope: Scope,
    ) -> None:
        item.message = data.message
        if data.signer_ids is None:
            item.signers = await default_signers(session, scope.user, item)
        else:
            item.signers = await named_signers(session, data.signer_ids, scope=scope)
        item.is_emergency = data.is_emergency
        if item.is_emergency:
            ensure_may_raise_emergency(item, scope)
            record_emergency(session, item, scope.user, "aviso de emergência criado")

    async def apply(
        self,
        session: AsyncSession,
        item: Notice,
        changes: NoticeUpdate,
        *,
        scope: Scope,
    ) -> None:
        """Changing the targets leaves the signers as they are; síndicos the
        caller can not see stay when it replaces the list."""
        changes.copy_sent(item, "message")
        turned_on = changes.is_emergency is True and not item.is_emergency
        if changes.is_emergency is not MISSING:
            item.is_emergency = changes.is_emergency
        if item.is_emergency and (turned_on or changes.condominium_ids is not MISSING):
            ensure_may_raise_emergency(item, scope)
        if turned_on:
            record_emergency(session, item, scope.user, "aviso de emergência ativado")
        if changes.signer_ids is not MISSING:
            chosen = await named_signers(session, changes.signer_ids or [], scope=scope)
            hidden = scope.hidden_signers(item.signer_ids)
            kept = [u for u in item.signers if u.id in hidden]
            item.signers = sorted([*chosen, *kept], key=lambda u: u.id)

    def removes_media(self, changes: NoticeUpdate) -> bool:
        return changes.remove_media is not MISSING


def ensure_may_raise_emergency(item: Notice, scope: Scope) -> None:
    """A Síndico raises emergencies only in condomínios it runs: one it can not
    see (another síndico's) is a 404, as any target it may not write to."""
    if scope.user.role is Role.MANAGER and scope.hidden_condominiums(
        item.condominium_ids
    ):
        raise TargetNotFound()


def record_emergency(
    session: AsyncSession, item: Notice, user: User, message: str
) -> None:
    """Log, once the change is saved, who raised an emergency and where."""

    async def write() -> None:
        log.info(
            message,
            extra={
                "aviso_id": item.id,
                "aviso_nome": item.name,
                "condominios_ids": sorted(item.condominium_ids),
                "tvs_ids": sorted(item.tv_ids),
                "usuario_id": user.id,
                "usuario_email": user.email,
                "usuario_nivel": LEVEL_BY_ROLE[user.role].value,
            },
        )

    on_commit(session, write)


async def named_signers(
    session: AsyncSession, ids: Sequence[int], *, scope: Scope
) -> list[User]:
    """Existing Síndicos the caller may name: for a Síndico, only itself."""
    for user_id in ids:
        if scope.signer_ids is not None and user_id not in scope.signer_ids:
            raise SignerInvalid(user_id)
    found = {u.id: u for u in await session.scalars(notice_repo.managers(ids))}
    for user_id in ids:
        if user_id not in found:
            raise SignerInvalid(user_id)
    return [found[user_id] for user_id in sorted(found)]


async def default_signers(
    session: AsyncSession, user: User, notice: Notice
) -> list[User]:
    """The creator when a Síndico, otherwise the targets' síndicos."""
    if user.role is Role.MANAGER:
        return [user]
    managers = notice_repo.managers_of(notice.condominium_ids)
    return list(await session.scalars(managers))


NOTICE = NoticeKind()
