"""The Alembic migrations build exactly the models' schema on every database.

Upgrade to head, compare the live schema with the models (no drift), downgrade to
nothing, upgrade again: on SQLite, MariaDB and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from expotv.db import create_engine
from expotv.migrate import alembic_config
from expotv.models import Base
from tests import support
from tests.conftest import make_settings

KINDS = [
    "sqlite",
    pytest.param("mariadb", marks=pytest.mark.mariadb),
    pytest.param("postgresql", marks=pytest.mark.postgresql),
]


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "render_as_batch": True}
    )
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


@pytest.mark.parametrize("kind", KINDS)
async def test_migrations_build_the_models_schema_and_undo_it(
    kind: str, tmp_path: Path
) -> None:
    from alembic import command

    async with support.fresh_database(kind, tmp_path) as url:
        settings = make_settings(tmp_path, database_url=url)
        config = alembic_config(settings)
        support.run_in_thread(command.upgrade, config, "head")
        engine = create_engine(settings)
        try:
            async with engine.connect() as conn:
                assert await conn.run_sync(_differences) == []
                assert set(Base.metadata.tables) <= await conn.run_sync(_tables)
            support.run_in_thread(command.downgrade, config, "base")
            async with engine.connect() as conn:
                assert await conn.run_sync(_tables) <= {"alembic_version"}
            support.run_in_thread(command.upgrade, config, "head")
            async with engine.connect() as conn:
                assert await conn.run_sync(_differences) == []
        finally:
            await engine.dispose()
