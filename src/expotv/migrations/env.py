"""Alembic environment: the URL comes from ``Settings``, never from an ini file."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from expotv.config import Settings
from expotv.db import create_engine
from expotv.models import Base

config = context.config
settings: Settings = config.attributes.get("settings") or Settings()
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=settings.sqlalchemy_url, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    existing = config.attributes.get("connection")
    if existing is not None:
        _run(existing)
    else:
        asyncio.run(_run_async())
