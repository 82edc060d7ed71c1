from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from expotv.condominiums.models import Condominium
from expotv.items import repository as items_repo
from expotv.notices.models import Notice, notice_condominium
from expotv.users.models import Role, User

TABLE = items_repo.ItemTable(
    model=Notice,
    id=Notice.id,
    name=Notice.name,
    status=Notice.status,
    expires_at=Notice.expires_at,
    created_by_id=Notice.created_by_id,
    link_item_id=notice_condominium.c.notice_id,
    link_condominium_id=notice_condominium.c.condominium_id,
)


def _with_relations() -> Select[Notice]:
    return select(Notice).options(
        selectinload(Notice.condominiums), selectinload(Notice.signers)
    )


def list_visible(
    user: User, filters: items_repo.ItemFilters, *, now: datetime
) -> Select[Notice]:
    return items_repo.filtered(
        _with_relations(), TABLE, user=user, filters=filters, now=now
    )


def get_visible(
    user: User, notice_id: int, *, for_update: bool = False
) -> Select[Notice]:
    query = _with_relations().where(
        Notice.id == notice_id, items_repo.visible_to(TABLE, user)
    )
    # Locking serialises concurrent changes of one notice (media replaced twice).
    return query.with_for_update() if for_update else query


def managers(user_ids: Iterable[int]) -> Select[User]:
    return (
        select(User)
        .where(User.id.in_(set(user_ids)), User.role == Role.MANAGER)
        .order_by(User.id)
    )


def managers_of(condominium_ids: Iterable[int]) -> Select[User]:
    """The síndicos of these condomínios."""
    return (
        select(User)
        .where(
            User.role == Role.MANAGER,
            User.id.in_(
                select(Condominium.manager_id).where(
                    Condominium.id.in_(set(condominium_ids))
                )
            ),
        )
        .order_by(User.id)
    )
