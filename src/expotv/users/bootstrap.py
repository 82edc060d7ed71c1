"""The first Master: ``expotv create-master`` and ``EXPOTV_MASTER_EMAIL`` at start."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from expotv.config import Settings
from expotv.db import create_engine, create_sessionmaker, session_scope
from expotv.users import repository
from expotv.users import service as user_service
from expotv.users.exceptions import EmailTaken
from expotv.users.schemas import check_name, check_password, normalize_email

log = logging.getLogger(__name__)


def _validated(email: str, name: str, password: str) -> tuple[str, str, str]:
    """Raise ``ValueError`` (pt-BR) for what the API would answer with a 422."""
    try:
        email = normalize_email(email)
    except ValueError:
        raise ValueError(f"e-mail inválido: {email!r}") from None
    return email, check_name(name), check_password(password)


async def create_master_user(
    settings: Settings, *, email: str, name: str, password: str
) -> None:
    email, name, password = _validated(email, name, password)
    engine = create_engine(settings)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            await user_service.create_admin(
                session, name=name, email=email, password=password
            )
    except EmailTaken:
        raise ValueError(f"já existe um usuário com o e-mail {email}") from None
    finally:
        await engine.dispose()


async def ensure_master(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    """Create ``EXPOTV_MASTER_EMAIL`` as a Master when set and no Master exists."""
    if not settings.master_email or settings.master_senha is None:
        return
    try:
        email, name, password = _validated(
            settings.master_email,
            "Administrador",
            settings.master_senha.get_secret_value(),
        )
    except ValueError as exc:
        # A bad setting must not keep the service down; it is loudly reported.
        log.error("EXPOTV_MASTER_EMAIL/EXPOTV_MASTER_SENHA ignorados: %s", exc)
        return
    try:
        async with session_scope(sessionmaker) as session:
            if await repository.admin_exists(session):
                return
            await user_service.create_admin(
                session, name=name, email=email, password=password
            )
    except (EmailTaken, IntegrityError):
        # Another worker starting at the same time won, or the email belongs to a
        # user who is not a Master (left untouched).
        log.warning("Master %s não criado: o e-mail já está em uso", email)
        return
    log.info("Master %s criado a partir da configuração", email)
