"""schemathesis over /openapi.json, authenticated as each level, on each database.

Every management operation of the schema is called with generated data (valid
and invalid) as a Master, as the demo condomínio's Síndico and as a Visitante
assigned to it, on each database; the public ones (which ignore tokens) once per
database, without a token. None may answer 5xx, answer a status its schema does
not document, or return a body that breaks its own response schema. The coverage
phase (each boundary and each way to break each field) runs as a Master on both
databases and as a Síndico on MariaDB (FULL_RUNS); the other runs get the
examples and the generated cases (LIGHT_RUNS).

The server is a live uvicorn over a fresh database filled by ``expotv demo``. The
schema is the app's own, built at import (no server needed to collect the tests).
Fuzzing as a Master may delete or demote the other levels' users or condomínio;
before each test the fuzz users are put back as they were (``restore``).

What a schema-driven generator does not send (numbers past every integer type,
invalid UTF-8 in paths and queries, 100,000 levels of JSON, wrong content types,
hostile multipart fields) ``test_hostile_inputs.py`` sends to every operation.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import delete, insert, select

from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.db import create_engine, create_sessionmaker
from expotv.demo import MANAGER_EMAIL, run_demo
from expotv.main import create_app
from expotv.users.models import Role, User, viewer_condominium
from expotv.users.schemas import Level
from tests import support
from tests.conftest import DATABASES, make_settings

# A sweep of generated input over every route: run untraced by coverage (tracing
# it doubled its time), which counts what the targeted tests execute.
pytestmark = pytest.mark.no_cover

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# (database, level) of each run with every phase; Master last on each database:
# what it breaks is restored before the next test, and the fewer restores the
# better. The Síndico's boundary cases run on MariaDB, the production database;
# on SQLite it gets the examples and generated cases, as the Visitante does on both.
FULL_RUNS = [
    (database, level)
    for database, level in (
        ("sqlite", Level.MASTER),
        ("mariadb", Level.SINDICO),
        ("mariadb", Level.MASTER),
    )
    if database in DATABASES
]
LIGHT_RUNS = [
    (database, level)
    for database, level in (
        ("sqlite", Level.SINDICO),
        ("sqlite", Level.VISITANTE),
        ("mariadb", Level.VISITANTE),
    )
    if database in DATABASES
]
EMAILS = {
    Level.MASTER: "fuzz-master@example.com",
    Level.SINDICO: MANAGER_EMAIL,
    Level.VISITANTE: "fuzz-visitante@example.com",
}
ROLES = {
    Level.MASTER: Role.ADMIN,
    Level.SINDICO: Role.MANAGER,
    Level.VISITANTE: Role.VIEWER,
}

_schema_settings = make_settings(Path(tempfile.gettempdir()) / "expotv-fuzz-schema")
# Built once per process: test_hostile_inputs sweeps the same document.
SPEC: dict[str, Any] = create_app(_schema_settings).openapi()


def _schema(phases: list[str] | None = None) -> Any:
    """The app's document for schemathesis, with these phases (None: every one).

    Said here rather than left to the defaults: data that fits the schema and data
    that breaks it (wrong types, out of range, missing and unknown fields, NUL).
    """
    made = schemathesis.openapi.from_dict(copy.deepcopy(SPEC))
    made.config.generation.update(
        modes=[
            schemathesis.GenerationMode.POSITIVE,
            schemathesis.GenerationMode.NEGATIVE,
        ],
        allow_x00=True,
    )
    if phases is not None:
        made.config.phases.update(phases=phases)
    return made


# Every phase: the examples, coverage (each boundary and each way to break a field)
# and fuzzing.
schema = _schema()
# Routes that ignore the caller's token: fuzzing them once is enough.
PUBLIC_PATHS = r"^/(auth/(register|login|refresh|logout)$|app/|media/|metrics$|health/)"
management_schema = schema.exclude(path_regex=PUBLIC_PATHS)
public_schema = schema.include(path_regex=PUBLIC_PATHS)
# The runs without the coverage phase (LIGHT_RUNS): its boundary cases (some 70
# requests per operation) meet the same validation whoever sends them, and are sent
# in FULL_RUNS; a Visitante is refused every write before any of it.
light_schema = _schema(["examples", "fuzzing"]).exclude(path_regex=PUBLIC_PATHS)
FUZZ_SETTINGS = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


@dataclass
class FuzzTarget:
    base_url: str
    settings: Settings
    headers: dict[Level, dict[str, str]] = field(default_factory=dict)
    # One keep-alive session for the module's thousands of requests: schemathesis
    # would otherwise open a connection, load the CA bundle and read the proxy
    # variables for each test (about a tenth of the run).
    http: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.http.trust_env = False


async def _restore(app_settings: Settings) -> dict[Level, dict[str, str]]:
    """Each level's user as arranged (present, active, its role and condomínio),
    with a fresh token."""
    engine = create_engine(app_settings)
    try:
        sessionmaker = create_sessionmaker(engine)
        factory = support.Factory(sessionmaker, app_settings)
        users: dict[Level, User] = {}
        async with sessionmaker() as session:
            for level, email in EMAILS.items():
                user = await session.scalar(select(User).where(User.email == email))
                if user is None:
                    user = User(
                        name=f"Fuzz {level.value}",
                        email=email,
                        password_hash=support.PASSWORD_HASH,
                        role=ROLES[level],
                    )
                    session.add(user)
                user.role, user.is_active = ROLES[level], True
                user.ad_limit = user.notice_limit = 20
                user.condominium_limit = 2
                users[level] = user
            await session.flush()
            manager = users[Level.SINDICO]
            condominium_id = await session.scalar(
                select(Condominium.id)
                .where(Condominium.manager_id == manager.id)
                .order_by(Condominium.id)
            )
            if condominium_id is None:
                condominium = Condominium(
                    name="Condomínio do fuzz", manager_id=manager.id
                )
                session.add(condominium)
                await session.flush()
                condominium_id = condominium.id
            viewer = users[Level.VISITANTE]
            await session.execute(
                delete(viewer_condominium).where(
                    viewer_condominium.c.user_id == viewer.id
                )
            )
            await session.execute(
                insert(viewer_condominium).values(
                    user_id=viewer.id, condominium_id=condominium_id
                )
            )
            await session.commit()
        return {level: await factory.headers(user) for level, user in users.items()}
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def _served_demo(kind: str, data_dir: Path) -> AsyncIterator[FuzzTarget]:
    """A live server over a fresh database of ``kind`` filled by ``expotv demo``."""
    async with support.fresh_database(kind, data_dir) as url:
        app_settings = make_settings(data_dir, database_url=url)
        support.migrate(app_settings)
        support.run_in_thread(
            lambda: asyncio.run(run_demo(app_settings, quiet_if_filled=True))
        )
        with support.live_server(app_settings) as server:
            target = FuzzTarget(server.base_url, app_settings)
            with target.http:
                yield target


@pytest.fixture
async def fuzz_target(
    database: str, module_kept: support.Kept, tmp_path_factory: pytest.TempPathFactory
) -> FuzzTarget:
    """One demo server per database for the module (its tests share it)."""
    return await module_kept.get(
        ("fuzz", database),
        lambda: _served_demo(database, tmp_path_factory.mktemp("fuzz")),
    )


def _is_intact(target: FuzzTarget) -> bool:
    """Every level's token still works, as that level, with its condomínio."""
    if not target.headers:
        return False
    for level, headers in target.headers.items():
        me = target.http.get(f"{target.base_url}/auth/me", headers=headers, timeout=30)
        if me.status_code != 200 or me.json()["nivel"] != level.value:
            return False
        if level is not Level.MASTER and not me.json()["condominios_ids"]:
            return False
    return True


@pytest.fixture
def level_headers(fuzz_target: FuzzTarget) -> dict[Level, dict[str, str]]:
    if not _is_intact(fuzz_target):
        fuzz_target.headers = support.run_in_thread(
            lambda: asyncio.run(_restore(fuzz_target.settings))
        )
    return fuzz_target.headers


def _run_id(value: object) -> str:
    return value.value if isinstance(value, Level) else str(value)


def _call(
    case: schemathesis.Case,
    target: FuzzTarget,
    headers: dict[str, str] | None = None,
) -> None:
    case.call_and_validate(
        base_url=target.base_url, session=target.http, headers=headers, checks=CHECKS
    )


@pytest.mark.parametrize(("database", "level"), FULL_RUNS, ids=_run_id)
@management_schema.parametrize()
@FUZZ_SETTINGS
def test_no_management_operation_fails_or_breaks_its_schema(
    case: schemathesis.Case,
    level: Level,
    fuzz_target: FuzzTarget,
    level_headers: dict[Level, dict[str, str]],
) -> None:
    _call(case, fuzz_target, level_headers[level])


@pytest.mark.parametrize(("database", "level"), LIGHT_RUNS, ids=_run_id)
@light_schema.parametrize()
@FUZZ_SETTINGS
def test_no_management_operation_fails_on_generated_cases(
    case: schemathesis.Case,
    level: Level,
    fuzz_target: FuzzTarget,
    level_headers: dict[Level, dict[str, str]],
) -> None:
    _call(case, fuzz_target, level_headers[level])


@public_schema.parametrize()
@FUZZ_SETTINGS
def test_no_public_operation_fails_or_breaks_its_schema(
    case: schemathesis.Case, fuzz_target: FuzzTarget
) -> None:
    _call(case, fuzz_target)
