"""How ``expotv serve`` runs the app: the HTTP server and the process's file limit.

    SERVERS / DEFAULT_SERVER   uvicorn or granian (``expotv serve --server``); the
                               default is the one the bench (``bench/``) showed
                               keeping p99 bounded under saturation (README,
                               "Desempenho")
    raise_file_limit()         RLIMIT_NOFILE soft -> hard where the OS allows: every
                               TV holds a WebSocket, one descriptor each
    run(server, ...)           the server with the options both get alike: the app
                               factory, ``BACKLOG``, no access log of their own
                               (``expotv.access`` replaces it), no proxy headers of
                               their own (the request edge decides which to believe,
                               ``EXPOTV_TRUSTED_PROXIES``)

The bench's ceiling (``bench/stack.py``) runs on the same server with these options.
"""

from __future__ import annotations

import logging
import resource
from typing import Any, Literal

log = logging.getLogger(__name__)

Server = Literal["uvicorn", "granian"]
SERVERS: tuple[Server, ...] = ("uvicorn", "granian")
DEFAULT_SERVER: Server = "granian"
APP_FACTORY = "expotv.main:create_app"
# Connections waiting for accept(): a burst of TVs reconnecting after a restart is
# queued by the kernel instead of refused (net.core.somaxconn caps it).
BACKLOG = 4096
# What the process asks for when the hard limit is unlimited.
UNLIMITED_FILES_WANTED = 1_048_576

# granian's own loggers go to the service's handler (the root logger's).
_GRANIAN_LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {
        "_granian": {"level": "INFO", "propagate": True},
        "granian.access": {"level": "WARNING", "propagate": True},
    },
}


def raise_file_limit() -> tuple[int, int]:
    """Raise this process's open-file soft limit to its hard limit (children
    inherit it); returns (before, after)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = UNLIMITED_FILES_WANTED if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError) as exc:
            log.warning(
                "limite de arquivos abertos mantido em %d (o sistema recusou %d: %s)",
                soft,
                wanted,
                exc,
            )
            return soft, soft
        log.info("limite de arquivos abertos elevado de %d para %d", soft, wanted)
        return soft, wanted
    log.info("limite de arquivos abertos: %d", soft)
    return soft, soft


def run(server: Server, *, host: str, port: int, workers: int) -> None:
    if server == "granian":
        _run_granian(host=host, port=port, workers=workers)
    else:
        _run_uvicorn(host=host, port=port, workers=workers)


def _run_uvicorn(*, host: str, port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        backlog=BACKLOG,
        proxy_headers=False,
        log_config=None,
        access_log=False,
        # TV frames are a few dozen bytes: compressing them saves nothing, and
        # each socket's deflate state cost ~38 KiB (docs/deploying.md, sizing).
        ws_per_message_deflate=False,
        # The lightest of uvicorn's WebSocket protocols per idle socket (bare
        # ASGI: 17.8 KiB against 27.1 for websockets' and 19.8 for its sans-I/O
        # one), and no slower at the hello (docs/deploying.md, sizing).
        ws="wsproto",
    )


def _run_granian(*, host: str, port: int, workers: int) -> None:
    import multiprocessing

    from granian.constants import HTTPModes, Interfaces
    from granian.server import Server as Granian

    # Workers start fresh, as uvicorn's do: a forked one would keep what this
    # process imported before PROMETHEUS_MULTIPROC_DIR was set (single-process
    # metrics) and the migration's connections.
    multiprocessing.set_start_method("spawn", force=True)

    options: dict[str, Any] = {
        "factory": True,
        "interface": Interfaces.ASGI,
        "http": HTTPModes.http1,
        "websockets": True,
        "backlog": BACKLOG,
        "log_enabled": True,
        "log_dictconfig": _GRANIAN_LOGGING,
        "log_access": False,
        "respawn_failed_workers": True,
    }
    Granian(APP_FACTORY, address=host, port=port, workers=workers, **options).serve()
