"""/health/live and /health/ready: each dependency named when it fails, never a hang."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from expotv.observability import health
from tests import support
from tests.conftest import DATABASES
from tests.integration.observability.conftest import (
    TcpProxy,
    TcpServer,
    dedicated_app,
    scrape,
    value,
)

ALL_OK = {"banco de dados": "ok", "cache": "ok", "armazenamento": "ok"}


def dependency_up(samples: dict, dependency: str) -> float:  # type: ignore[type-arg]
    return value(samples, "expotv_dependency_up", dependency=dependency)


async def test_live_answers_while_the_process_runs(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_reports_every_part_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "componentes": ALL_OK}
    samples = await scrape(client)
    for dependency in ("database", "cache", "storage"):
        assert dependency_up(samples, dependency) == 1


@pytest.mark.mariadb
@pytest.mark.skipif("mariadb" not in DATABASES, reason="MariaDB fora desta execução")
async def test_ready_fails_naming_the_database_when_it_is_cut(tmp_path: Path) -> None:
    target = urlsplit(support.MARIADB_ADMIN_URL)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 3306)
    port = await proxy.start()
    url = f"mysql://root@127.0.0.1:{port}/"
    try:
        async with dedicated_app(tmp_path, database_url=url) as client:
            before = await client.get("/health/ready")
            await proxy.close()
            after = await client.get("/health/ready")
            samples = await scrape(client)
    finally:
        await proxy.close()

    assert before.status_code == 200
    assert after.status_code == 503
    body = after.json()
    assert body["status"] == "indisponível"
    assert body["falhas"] == ["banco de dados"]
    assert body["componentes"] == {**ALL_OK, "banco de dados": "falhou"}
    assert body["detail"] == "indisponível: banco de dados"
    assert dependency_up(samples, "database") == 0
    assert dependency_up(samples, "storage") == 1


async def test_ready_fails_when_the_sqlite_file_cannot_be_opened(
    tmp_path: Path,
) -> None:
    # A directory where the database file should be: SQLite cannot open it (a
    # missing folder is no longer a failure: the service creates it).
    not_a_file = tmp_path / "expotv.db"
    not_a_file.mkdir()
    url = f"sqlite:///{not_a_file}"
    async with dedicated_app(tmp_path, database_url=url) as client:
        response = await client.get("/health/ready")

    assert response.status_code == 503
    assert response.json()["falhas"] == ["banco de dados"]


async def test_ready_gives_up_on_a_database_that_never_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "READY_TIMEOUT_SECONDS", 0.3)
    port = support.free_port()
    hung = TcpServer()
    try:
        async with dedicated_app(
            tmp_path, database_url=f"mysql://root@127.0.0.1:{port}/"
        ) as client:
            # Listening only now: start-up itself would wait on it.
            await hung.start(port)
            response = await client.get("/health/ready")
    finally:
        await hung.close()

    assert response.status_code == 503
    assert response.json()["falhas"] == ["banco de dados"]


async def test_ready_fails_naming_the_storage_when_it_cannot_be_written(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "arquivo"
    blocker.write_text("não é uma pasta")
    async with dedicated_app(
        tmp_path, storage_url=f"file://{blocker / 'media'}"
    ) as client:
        response = await client.get("/health/ready")
        samples = await scrape(client)

    assert response.status_code == 503
    assert response.json()["falhas"] == ["armazenamento"]
    assert dependency_up(samples, "storage") == 0


@pytest.mark.redis
async def test_ready_fails_naming_the_cache_when_redis_is_down(
    tmp_path: Path,
) -> None:
    closed_port = support.free_port()
    async with dedicated_app(
        tmp_path, redis_url=f"redis://127.0.0.1:{closed_port}/0"
    ) as client:
        response = await client.get("/health/ready")

    assert response.status_code == 503
    assert response.json()["falhas"] == ["cache"]
