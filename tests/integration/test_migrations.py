"""The Alembic migrations build exactly the models' schema on every database.

Upgrade to head, compare the live schema with the models (no drift), downgrade to
nothing, upgrade again: on SQLite, MariaDB and PostgreSQL. Rows written before a
revision keep behaving as they did after it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.db import create_engine, utcnow
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


@pytest.mark.parametrize("kind", KINDS)
async def test_rows_from_before_scheduling_play_as_before(
    kind: str, tmp_path: Path
) -> None:
    from alembic import command

    from expotv.playlist.builder import Mode
    from expotv.playlist.eligibility import evaluate
    from expotv.playlist.loader import playlist_items, tv_info
    from expotv.playlist.repository import tv_by_code

    async with support.fresh_database(kind, tmp_path) as url:
        settings = make_settings(tmp_path, database_url=url)
        config = alembic_config(settings)
        support.run_in_thread(command.upgrade, config, "0001")
        engine = create_engine(settings)
        # As each database keeps UTCDateTime: aware on PostgreSQL, naive UTC else.
        stamp = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
        if kind != "postgresql":
            stamp = stamp.replace(tzinfo=None)
        try:
            async with engine.begin() as conn:
                for statement in (
                    "INSERT INTO condominium (id, name, address, created_at,"
                    " updated_at) VALUES (1, 'Aurora', '', :t, :t)",
                    "INSERT INTO tv (id, code, name, condominium_id, status,"
                    " ad_ratio, notice_ratio, news_ratio, created_at, updated_at)"
                    " VALUES (1, 'ABC234', 'Hall', 1, 'offline', 5, 1, 3, :t, :t)",
                    *(
                        f"INSERT INTO {table} (id, name, {own} status,"
                        " requested_status, duration_seconds, created_at,"
                        f" updated_at) VALUES (1, 'Antigo', {value} 'ativo',"
                        " 'ativo', 10, :t, :t)"
                        for table, own, value in (
                            ("ad", "advertiser_phone, advertiser_name,", "'', '',"),
                            ("notice", "message,", "'Texto',"),
                        )
                    ),
                    "INSERT INTO ad_condominium (ad_id, condominium_id) VALUES (1, 1)",
                    "INSERT INTO notice_condominium (notice_id, condominium_id)"
                    " VALUES (1, 1)",
                ):
                    await conn.execute(text(statement), {"t": stamp})
            support.run_in_thread(command.upgrade, config, "head")
            async with AsyncSession(engine) as session:
                tv = await tv_info(session, tv_by_code("ABC234"), settings)
                assert tv is not None
                assert tv.zone.key == settings.timezone
                now = utcnow()
                items = await playlist_items(session, tv, now, max_news=10)
            lineup = evaluate(items, tv, now)
        finally:
            await engine.dispose()

    assert lineup.mode is Mode.NORMAL
    assert lineup.valid_until is None
    assert lineup.out == []
    assert sorted((i.kind.value, i.id) for g in lineup.groups.values() for i in g) == [
        ("anuncio", 1),
        ("aviso", 1),
    ]
