"""Who may see and change what: the contract's permission table, as query pieces.

Visibility is decided in SQL, never by loading rows and filtering in Python:

    condominium scope   Master: all      Síndico: manager_id == self
                        Visitante: assigned (viewer_condominium)
    items (ads/notices) visible when any target is in the caller's scope;
                        a Síndico changes only the items it created.

``None`` means "no restriction" (Master). Another tenant's object is a 404
(``NotFound``); a level that may not write is a 403 (``Forbidden``), and visibility
is checked before the level.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, Update, select, update
from sqlalchemy.orm import InstrumentedAttribute

from expotv.condominiums.models import Condominium
from expotv.errors import Forbidden
from expotv.users.models import Role, User, viewer_condominium

QueryT = TypeVar("QueryT", bound=Select[Any])


def readable_condominium_ids(user: User) -> Select[int] | None:
    """Ids of the condomínios ``user`` may read, or ``None`` for all."""
    if user.role is Role.ADMIN:
        return None
    if user.role is Role.MANAGER:
        return select(Condominium.id).where(Condominium.manager_id == user.id)
    return select(viewer_condominium.c.condominium_id).where(
        viewer_condominium.c.user_id == user.id
    )


def writable_condominium_ids(user: User) -> Select[int] | None:
    """Ids of the condomínios ``user`` may write to, or ``None`` for all.

    Visitantes may write nowhere: they get an empty set (callers raise 403 first).
    """
    if user.role is Role.ADMIN:
        return None
    if user.role is Role.MANAGER:
        return select(Condominium.id).where(Condominium.manager_id == user.id)
    return select(Condominium.id).where(Condominium.id.is_(None))


def readable_only(
    query: QueryT, condominium_id: InstrumentedAttribute[int], user: User
) -> QueryT:
    """``query`` kept to the rows whose ``condominium_id`` ``user`` may read."""
    readable = readable_condominium_ids(user)
    return query if readable is None else query.where(condominium_id.in_(readable))


def writable_only(
    query: QueryT, condominium_id: InstrumentedAttribute[int], user: User
) -> QueryT:
    """``query`` kept to the rows whose ``condominium_id`` ``user`` may write to."""
    writable = writable_condominium_ids(user)
    return query if writable is None else query.where(condominium_id.in_(writable))


def ensure_can_write(user: User) -> None:
    """Visitantes are read-only: any write is a 403 (after visibility was checked)."""
    if user.role is Role.VIEWER:
        raise Forbidden()


def ensure_admin(user: User) -> None:
    if user.role is not Role.ADMIN:
        raise Forbidden()


def quota_lock_statement(user_id: int) -> Update:
    """A no-op write on the user's row: serialises that user's quota checks.

    On MariaDB it takes the row lock; on SQLite it takes the database write lock.
    Either way a concurrent create waits until this transaction ends, so two
    creates can not both take the last slot. Run it before counting.
    """
    return update(User).where(User.id == user_id).values(updated_at=User.updated_at)
