"""The SQLite database and the generated JWT key are private (0600) from the start,
and workers starting together share one complete key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from expotv.config import Settings
from expotv.db import create_engine
from expotv.private_files import EmptySecretFile

WORKERS = 6
# Each worker creates the keys of these folders in the same order, so the
# processes collide on every one of them, not just once.
FOLDERS = 150
CHILD = """
import sys, time
from pathlib import Path
from expotv.config import Settings
root, start, folders = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
time.sleep(max(0.0, start - time.time()))
for i in range(folders):
    print(Settings(data_dir=root / f"d{i}", jwt_secret=None).signing_key, flush=True)
"""


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The usual umask (files 0644 unless the code says otherwise)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


async def test_sqlite_database_and_its_wal_files_are_created_0600(
    tmp_path: Path, permissive_umask: None
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=None)
    engine = create_engine(settings)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        database = tmp_path / "data" / "expotv.db"
        companions = [Path(f"{database}-wal"), Path(f"{database}-shm")]

        assert mode_of(database) == 0o600
        assert [p for p in companions if p.exists()] == companions
        assert [mode_of(p) for p in companions] == [0o600, 0o600]
    finally:
        await engine.dispose()


def test_an_explicit_sqlite_url_is_created_0600_too(
    tmp_path: Path, permissive_umask: None
) -> None:
    target = tmp_path / "elsewhere" / "db.sqlite"
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{target}")

    create_engine(settings).sync_engine.dispose()

    assert mode_of(target) == 0o600


def test_generated_key_is_0600_and_leaves_no_temporary(tmp_path: Path) -> None:
    previous = os.umask(0)  # the worst case: anything not asked for is world-open
    try:
        key = Settings(data_dir=tmp_path, jwt_secret=None).signing_key
    finally:
        os.umask(previous)

    assert len(key) >= 32
    assert mode_of(tmp_path / "jwt_secret") == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jwt_secret"]
    assert Settings(data_dir=tmp_path, jwt_secret=None).signing_key == key


def test_workers_starting_together_all_read_one_non_empty_key(
    tmp_path: Path,
) -> None:
    start = time.time() + 3.0
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(tmp_path), str(start), str(FOLDERS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]

    assert [err for _out, err in outputs if err] == []
    keys = [out.splitlines() for out, _err in outputs]
    assert all(len(seen) == FOLDERS for seen in keys)
    for folder in range(FOLDERS):
        seen = {worker_keys[folder] for worker_keys in keys}
        stored = (tmp_path / f"d{folder}" / "jwt_secret").read_text()
        assert seen == {stored}, f"folder {folder}: {seen}"
        assert len(stored) >= 32


def test_an_empty_key_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "jwt_secret").touch()

    with pytest.raises(EmptySecretFile, match="EXPOTV_JWT_SECRET"):
        _ = Settings(data_dir=tmp_path, jwt_secret=None).signing_key
