"""Files only the service's user may read: the SQLite database and the JWT key.

Both are created with mode 0600 from the first byte (never written first and
chmod-ed after), whatever the process umask. The generated key appears under its
name only once complete: it is written to a private temporary file, synced, then
hard-linked into place, which fails rather than replaces when another process got
there first. So workers starting together all read one, non-empty key.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

PRIVATE_MODE = 0o600


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600, unless it already exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:
        return
    os.close(fd)


def prepare_sqlite_file(url: str) -> None:
    """Create the database file of a SQLite ``url`` 0600 before SQLite does (it
    would use 0644); its -wal and -shm files take the database file's mode."""
    from sqlalchemy.engine import make_url  # not for every importer of the settings

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    create_private_file(Path(database))


class EmptySecretFile(RuntimeError):
    pass


def read_or_create_secret(path: Path, generate: Callable[[], str]) -> str:
    """The secret kept in ``path``; when there is none, ``generate()`` is stored."""
    existing = _read(path)
    if existing is not None:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = generate()
    # mkstemp creates the file 0600.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(secret)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            # Another process stored its key first: everyone uses that one.
            winner = _read(path)
            assert winner is not None
            return winner
        _sync_folder(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
    return secret


def _read(path: Path) -> str | None:
    try:
        value = path.read_text().strip()
    except FileNotFoundError:
        return None
    if not value:
        # Only a crash of an older version, between creating and writing the
        # file, leaves it empty; guessing a key here could split the workers.
        raise EmptySecretFile(
            f"o arquivo de chave {path} está vazio: apague-o para gerar outra chave "
            "(as sessões abertas terminam) ou defina EXPOTV_JWT_SECRET"
        )
    return value


def _sync_folder(folder: Path) -> None:
    """Make the new name durable too (a crash must not lose the key in use)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
