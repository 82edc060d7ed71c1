"""The síndicos an aviso may be signed by (its other queries are ``items``')."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select

from expotv.condominiums.models import Condominium
from expotv.users.models import Role, User


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
