"""Configuration mistakes end a command with one pt-BR line, not a traceback.

``expotv serve|migrate|worker|scheduler`` check, before doing anything:

    settings   every EXPOTV_* value parses (production needs a JWT secret, ...)
    storage    EXPOTV_STORAGE_URL is file:///path or s3://bucket[/prefix], and it
               answers (the folder is writable; the bucket exists and the keys work)
    database   EXPOTV_DATABASE_URL names a driver we ship and the server answers
    queue      (worker) EXPOTV_QUEUE_URL is set and its Redis answers

A failed check, or the same kind of failure later in the command (a migration that
cannot reach the database), prints ``erro de configuração: ...`` on stderr and exits 2.
Anything else keeps its traceback: that is a bug, not a setting.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from expotv.config import Settings

EXIT_CODE = 2
CHECK_TIMEOUT_SECONDS = 10.0
CHECKED_COMMANDS = {"serve", "migrate", "worker", "scheduler"}


class ConfigurationError(Exception):
    """A setting that keeps the command from running; the message is for people."""


def run_cli(app: Callable[[], Any], argv: Sequence[str] | None = None) -> None:
    """Run the ``expotv`` command with its configuration checked first."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = next((arg for arg in args if not arg.startswith("-")), None)
    with exit_on_configuration_error():
        if command in CHECKED_COMMANDS and not {"--help", "-h"} & set(args):
            check(load_settings(), queue=command == "worker")
        app()


@contextmanager
def exit_on_configuration_error() -> Iterator[None]:
    try:
        yield
    except ConfigurationError as exc:
        _fail(str(exc))
    except ValidationError as exc:
        _fail(describe_validation_error(exc))
    except Exception as exc:
        message = describe_connection_error(exc)
        if message is None:
            raise
        _fail(message)


def _fail(message: str) -> None:
    sys.stderr.write(f"erro de configuração: {message}\n")
    raise SystemExit(EXIT_CODE)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(describe_validation_error(exc)) from None


def check(settings: Settings, *, queue: bool = False) -> None:
    check_storage(settings)
    asyncio.run(_within_timeout(check_database(settings), "EXPOTV_DATABASE_URL"))
    if queue:
        if not settings.queue_url:
            raise ConfigurationError("defina EXPOTV_QUEUE_URL (Redis da fila)")
        asyncio.run(
            _within_timeout(check_redis(settings.queue_url), "EXPOTV_QUEUE_URL")
        )


async def _within_timeout(check: Any, name: str) -> None:
    try:
        await asyncio.wait_for(check, CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        raise ConfigurationError(
            f"{name} não respondeu em {CHECK_TIMEOUT_SECONDS:.0f} s"
        ) from None


# --- the checks ------------------------------------------------------------------


def check_storage(settings: Settings) -> None:
    url = settings.storage_url
    if url and url.startswith("s3://"):
        _check_bucket(settings)
        return
    if url and not url.startswith("file:///"):
        raise ConfigurationError(
            f"EXPOTV_STORAGE_URL inválida ({url!r}): use file:///caminho/absoluto "
            "ou s3://bucket[/prefixo]"
        )
    folder = settings.media_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".expotv-write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigurationError(
            f"pasta de mídia {str(folder)!r} sem permissão de escrita ({exc.strerror})"
        ) from None


def _check_bucket(settings: Settings) -> None:
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
    )

    from expotv.storage.s3 import S3Storage

    # Warnings about the storage (a missing public URL) are said again, through the
    # configured logs, when the command builds its own; here they would be noise.
    logging.disable(logging.WARNING)
    try:
        storage = S3Storage.from_settings(settings)
        storage.client.head_bucket(Bucket=storage.bucket)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        reason = {
            403: "credenciais recusadas",
            404: "bucket inexistente",
        }.get(status or 0, f"resposta {status}")
        raise ConfigurationError(
            f"EXPOTV_STORAGE_URL {settings.storage_url!r}: {reason}"
        ) from None
    except NoCredentialsError:
        raise ConfigurationError(
            f"EXPOTV_STORAGE_URL {settings.storage_url!r}: faltam as credenciais "
            "(EXPOTV_S3_ACCESS_KEY_ID e EXPOTV_S3_SECRET_ACCESS_KEY)"
        ) from None
    except EndpointConnectionError as exc:
        raise ConfigurationError(
            f"armazenamento S3 inacessível em {exc.kwargs.get('endpoint_url')!r}"
        ) from None
    except BotoCoreError as exc:
        raise ConfigurationError(
            f"armazenamento S3 inacessível ({settings.storage_url!r}): {exc}"
        ) from None
    finally:
        logging.disable(logging.NOTSET)


async def check_database(settings: Settings) -> None:
    from sqlalchemy import text

    from expotv.db import create_engine

    try:
        url = settings.sqlalchemy_url
    except ValueError as exc:
        raise ConfigurationError(f"EXPOTV_DATABASE_URL: {exc}") from None
    if url.startswith("sqlite"):
        path = Path(url.partition(":///")[2])
        if str(path) != ":memory:" and not path.parent.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigurationError(
                    f"pasta do banco SQLite {str(path.parent)!r}: {exc.strerror}"
                ) from None
    try:
        engine = create_engine(settings)
    except Exception as exc:  # a driver missing or a URL it can't read
        raise ConfigurationError(
            f"EXPOTV_DATABASE_URL inválida ({_safe_url(settings.database_url)}): {exc}"
        ) from None
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # whatever the driver raises: refused, denied, unknown db
        cause = getattr(exc, "orig", None) or exc
        raise ConfigurationError(
            f"banco de dados inacessível: {_first_line(cause)} "
            f"(EXPOTV_DATABASE_URL={_safe_url(settings.database_url)})"
        ) from None
    finally:
        await engine.dispose()


async def check_redis(url: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS)
    try:
        await client.ping()
    finally:
        await client.aclose()  # type: ignore[attr-defined]


# --- messages --------------------------------------------------------------------


def describe_connection_error(exc: BaseException) -> str | None:
    """One line for a failure to reach the database or Redis; None for anything else."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        cause = exc.orig if exc.orig is not None else exc
        return f"banco de dados inacessível: {_first_line(cause)}"
    if isinstance(exc, RedisConnectionError):
        return f"Redis inacessível: {_first_line(exc)}"
    if isinstance(exc, ConnectionError | OSError) and exc.errno is not None:
        return f"conexão recusada: {_first_line(exc)}"
    return None


_MESSAGES: dict[str, str] = {
    "int_parsing": "precisa ser um número inteiro",
    "float_parsing": "precisa ser um número",
    "bool_parsing": "precisa ser true ou false",
    "string_pattern_mismatch": "formato inválido",
    "missing": "obrigatório",
}


def describe_validation_error(exc: ValidationError) -> str:
    return "; ".join(_describe(error) for error in exc.errors())


def _describe(error: ErrorDetails) -> str:
    field = ".".join(str(part) for part in error["loc"])
    name = f"EXPOTV_{field.upper()}" if field else ""
    ctx = error.get("ctx") or {}
    kind = error["type"]
    if kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
    elif kind == "enum":
        expected = str(ctx.get("expected", "")).replace(" or ", " ou ")
        message = f"valores aceitos: {expected}"
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal"):
        sign = {"greater_than_equal": "≥", "greater_than": ">"}.get(kind, "≤")
        limit = ctx.get("ge", ctx.get("gt", ctx.get("le")))
        message = f"precisa ser {sign} {limit}"
    else:
        message = _MESSAGES.get(kind, "valor inválido")
    value = error.get("input")
    secret = any(word in name for word in ("SECRET", "SENHA", "DSN"))
    shown = ""
    if isinstance(value, str) and not secret and repr(value) not in message:
        shown = f" (recebido {value!r})"
    return f"{name}: {message}{shown}" if name else message


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _safe_url(url: str | None) -> str:
    """The URL without its password, fit for a message."""
    if not url:
        return "''"
    parts = urlsplit(url)
    if parts.password:
        url = url.replace(f":{parts.password}@", ":***@", 1)
    return repr(url)
