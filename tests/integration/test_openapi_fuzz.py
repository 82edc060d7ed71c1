"""schemathesis over /openapi.json, authenticated as a Master, on each database.

Every operation of the schema is called with generated data (valid and invalid):
none may answer 5xx, answer a status its schema does not document, or return a
body that breaks its own response schema.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from expotv.demo import run_demo
from expotv.users.models import Role
from tests import support
from tests.conftest import make_settings

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass
class FuzzTarget:
    base_url: str
    headers: dict[str, str]


def _fresh_database_url(database_url: str, data_dir: Path) -> tuple[str, str | None]:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{data_dir / 'fuzz.db'}", None
    name = f"expotv_fuzz_{support.run_id()}"
    url = support.run_in_thread(
        lambda: asyncio.run(support.create_mariadb_database(name))
    )
    return url, name


@pytest.fixture(scope="module")
def fuzz_target(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzTarget]:
    data_dir = tmp_path_factory.mktemp("fuzz")
    url, mariadb_name = _fresh_database_url(database_url, data_dir)
    app_settings = make_settings(data_dir, database_url=url)
    support.migrate(app_settings)

    async def arrange() -> dict[str, str]:
        await run_demo(app_settings, quiet_if_filled=True)
        from expotv.db import create_engine, create_sessionmaker

        engine = create_engine(app_settings)
        try:
            factory = support.Factory(create_sessionmaker(engine), app_settings)
            # A Master of its own, so that fuzzing /usuarios can not lock it out.
            master = await factory.user(Role.ADMIN, email="fuzz-master@example.com")
            return await factory.headers(master)
        finally:
            await engine.dispose()

    headers = support.run_in_thread(lambda: asyncio.run(arrange()))
    try:
        with support.live_server(app_settings) as server:
            yield FuzzTarget(server.base_url, headers)
    finally:
        if mariadb_name:
            support.run_in_thread(
                lambda: asyncio.run(support.drop_mariadb_database(mariadb_name))
            )


@pytest.fixture(scope="module")
def api_schema(fuzz_target: FuzzTarget) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{fuzz_target.base_url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_fails_or_breaks_its_schema(
    case: schemathesis.Case, fuzz_target: FuzzTarget
) -> None:
    case.call_and_validate(headers=fuzz_target.headers, checks=CHECKS)
