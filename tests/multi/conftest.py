"""Several real ``expotv serve`` processes on loopback, sharing MariaDB and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from expotv.config import Environment, Settings
from expotv.db import create_engine, create_sessionmaker
from tests import support
from tests.integration.redis.server import RedisServer

JOB_PERIODS = {
    "tv-monitor": 1,
    "content-expiry": 1,
    "cache-cleanup": 1,
    "news-feeds": 2,
}
LOGIN_LIMIT = 5


@dataclass
class Instance:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    log_file: IO[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log_file.close()


@dataclass
class Cluster:
    instances: list[Instance]
    settings: Settings
    redis: RedisServer
    factory: support.Factory

    def logs(self) -> str:
        return "\n".join(f"--- {i.name}\n{i.log_tail()}" for i in self.instances)


async def job_runs(client: httpx.AsyncClient, instance: Instance) -> dict[str, float]:
    """``expotv_job_runs_total`` of one instance, by ``job:result``."""
    response = await client.get(f"{instance.url}/metrics")
    response.raise_for_status()
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(response.text):
        if family.name != "expotv_job_runs":
            continue
        for sample in family.samples:
            if sample.name == "expotv_job_runs_total":
                key = f"{sample.labels['job']}:{sample.labels['result']}"
                counts[key] = sample.value
    return counts


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def database_url() -> AsyncIterator[str]:
    name = f"expotv_multi_{support.run_id()}"
    url = await support.create_mariadb_database(name)
    try:
        yield url
    finally:
        await support.drop_mariadb_database(name)


@pytest.fixture(scope="module")
async def cluster(
    database_url: str,
    redis_server: RedisServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Cluster]:
    workdir = tmp_path_factory.mktemp("multi")
    secret = "multi-secret-" + "y" * 32
    prefix = f"expotv-multi-{support.run_id()}"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=Environment.TEST,
        data_dir=workdir / "shared",
        database_url=database_url,
        jwt_secret=secret,
    )
    # Migrated once here: three processes racing to create the schema would fail.
    support.migrate(settings)
    env = {
        **os.environ,
        "EXPOTV_ENVIRONMENT": "test",
        "EXPOTV_DATABASE_URL": database_url,
        "EXPOTV_REDIS_URL": redis_server.url,
        "EXPOTV_REDIS_KEY_PREFIX": prefix,
        "EXPOTV_JWT_SECRET": secret,
        "EXPOTV_RUN_JOBS": "true",
        "EXPOTV_LOG_JSON": "false",
        "EXPOTV_LOG_LEVEL": "WARNING",
        "EXPOTV_TV_MONITOR_INTERVAL_SECONDS": str(JOB_PERIODS["tv-monitor"]),
        "EXPOTV_EXPIRY_INTERVAL_SECONDS": str(JOB_PERIODS["content-expiry"]),
        "EXPOTV_CACHE_CLEANUP_INTERVAL_SECONDS": str(JOB_PERIODS["cache-cleanup"]),
        "EXPOTV_FEEDS_INTERVAL_SECONDS": str(JOB_PERIODS["news-feeds"]),
        "EXPOTV_LOGIN_MAX_FAILURES_PER_EMAIL": str(LOGIN_LIMIT),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    instances: list[Instance] = []
    try:
        for name in "ABC":
            port = support.free_port()
            data_dir = workdir / name
            data_dir.mkdir()
            log = workdir / f"{name}.log"
            log_file = log.open("wb")
            process = subprocess.Popen(
                [sys.executable, "-m", "expotv.cli", "serve", "--port", str(port)],
                env={**env, "EXPOTV_DATA_DIR": str(data_dir)},
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
            instances.append(Instance(name, port, process, log, log_file))
        await _wait_until_live(instances)
        engine = create_engine(settings)
        factory = support.Factory(
            sessionmaker=create_sessionmaker(engine), settings=settings
        )
        try:
            yield Cluster(instances, settings, redis_server, factory)
        finally:
            await engine.dispose()
    finally:
        for instance in instances:
            instance.stop()


async def _wait_until_live(instances: list[Instance], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        for instance in instances:
            while True:
                if instance.process.poll() is not None:
                    raise RuntimeError(
                        f"instância {instance.name} saiu:\n{instance.log_tail()}"
                    )
                try:
                    response = await client.get(f"{instance.url}/health/live")
                    if response.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"instância {instance.name} não subiu:\n{instance.log_tail()}"
                    )
                await _sleep(0.1)


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
