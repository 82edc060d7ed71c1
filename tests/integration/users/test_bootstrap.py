from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select

from expotv.config import Environment, Settings
from expotv.context import context_of
from expotv.users.bootstrap import create_master_user, ensure_master
from expotv.users.models import Role, User
from tests import support
from tests.integration.auth.helpers import login


def run_cli(
    data_dir: Path, *args: str, password: str
) -> subprocess.CompletedProcess[str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("EXPOTV_")
    }
    env.update(
        EXPOTV_DATA_DIR=str(data_dir),
        EXPOTV_MASTER_SENHA=password,
        EXPOTV_LOG_JSON="false",
    )
    return subprocess.run(
        [sys.executable, "-m", "expotv.cli", *args],
        env=env,
        cwd=data_dir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_create_master_command_creates_a_master_on_a_fresh_sqlite(
    tmp_path: Path,
) -> None:
    args = ("create-master", "--email", "Chefe@Example.com", "--nome", "Chefe")
    result = run_cli(tmp_path, *args, password="senha-do-chefe")
    assert result.returncode == 0, result.stderr
    assert "chefe@example.com" in result.stdout.lower()
    with sqlite3.connect(tmp_path / "expotv.db") as db:
        rows = db.execute("SELECT email, name, role, is_active FROM user").fetchall()
    assert rows == [("chefe@example.com", "Chefe", "admin", 1)]

    # The command's checks, in-process on the same database (a process is slow).
    settings = Settings(
        _env_file=None,
        environment=Environment.TEST,
        data_dir=tmp_path,
    )
    with pytest.raises(ValueError, match="já existe"):
        await create_master_user(
            settings, email="CHEFE@example.com", name="Outro", password="senha-123"
        )
    with pytest.raises(ValueError, match="8 caracteres"):
        await create_master_user(
            settings, email="novo@example.com", name="Novo", password="curta"
        )
    with pytest.raises(ValueError, match="e-mail inválido"):
        await create_master_user(
            settings, email="sem arroba", name="Novo", password="senha-123"
        )


async def _masters(app: FastAPI) -> list[User]:
    async with context_of(app).sessionmaker() as session:
        return list(await session.scalars(select(User).where(User.role == Role.ADMIN)))


@pytest.mark.usefixtures("clean")
async def test_ensure_master_creates_the_configured_master_once(
    app: FastAPI, settings: Settings, client: httpx.AsyncClient
) -> None:
    configured = settings.model_copy(
        update={
            "master_email": "Raiz@Example.com",
            "master_senha": SecretStr("senha-raiz-123"),
        }
    )
    await ensure_master(context_of(app).sessionmaker, configured)
    await ensure_master(context_of(app).sessionmaker, configured)
    masters = await _masters(app)
    assert [m.email for m in masters] == ["raiz@example.com"]
    assert (
        await login(client, "raiz@example.com", "senha-raiz-123")
    ).status_code == 200


@pytest.mark.usefixtures("clean")
async def test_ensure_master_does_nothing_when_a_master_exists_or_unset(
    app: FastAPI, settings: Settings, factory: support.Factory
) -> None:
    await ensure_master(context_of(app).sessionmaker, settings)
    assert await _masters(app) == []
    existing = await factory.user(Role.ADMIN)
    configured = settings.model_copy(
        update={
            "master_email": "outro@example.com",
            "master_senha": SecretStr("senha-raiz-123"),
        }
    )
    await ensure_master(context_of(app).sessionmaker, configured)
    assert [m.id for m in await _masters(app)] == [existing.id]
