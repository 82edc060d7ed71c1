"""The ``expotv`` command: serve, migrate, create-master, demo, scheduler,
graphql-schema."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import getpass
import os
from pathlib import Path
from typing import Annotated

import typer

from expotv.config import Settings
from expotv.serving import DEFAULT_SERVER, SERVERS

ServerChoice = enum.Enum(  # type: ignore[misc]
    "ServerChoice", {name: name for name in SERVERS}, type=str
)

app = typer.Typer(
    help="EXPO TV: conteúdo para as TVs de condomínios.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def migrate() -> None:
    """Aplica as migrações pendentes do banco de dados."""
    from expotv.migrate import upgrade

    settings = Settings()
    upgrade(settings)
    typer.echo("banco de dados atualizado")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="endereço de escuta")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="porta")] = 8000,
    workers: Annotated[int, typer.Option(help="processos")] = 1,
    server: Annotated[
        ServerChoice,
        typer.Option(help="servidor HTTP (veja o README, Desempenho)"),
    ] = ServerChoice(DEFAULT_SERVER),
    demo: Annotated[
        bool, typer.Option(help="preenche um banco vazio com dados de demonstração")
    ] = False,
) -> None:
    """Aplica migrações pendentes e serve a API."""
    from expotv.migrate import upgrade
    from expotv.observability.exposition import worker_metrics_dir
    from expotv.observability.logging import configure_logging
    from expotv.serving import raise_file_limit, run

    settings = Settings()
    if workers > 1 and not settings.redis_url:
        # Without Redis every process keeps its own playlist cache, TV sockets and
        # rate-limit counters: a change made through one worker would not reach
        # TVs served by the others.
        typer.echo(
            "erro: com --workers maior que 1, configure EXPOTV_REDIS_URL "
            "(cache, avisos às TVs e limites compartilhados entre os processos)",
            err=True,
        )
        raise typer.Exit(code=2)
    configure_logging(settings)
    # Every TV holds a socket: as many descriptors as the system lets us have.
    raise_file_limit()
    upgrade(settings)
    if demo:
        from expotv.demo import run_demo

        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        asyncio.run(
            run_demo(
                settings,
                quiet_if_filled=True,
                base_url=f"http://{shown_host}:{port}",
            )
        )
    settings.signing_key  # noqa: B018 - create the key file before workers fork
    # Workers share one metrics folder so any of them answers /metrics for all.
    with worker_metrics_dir(workers):
        run(server.value, host=host, port=port, workers=workers)


@app.command("create-master")
def create_master(
    email: Annotated[str, typer.Option(help="e-mail do Master")],
    nome: Annotated[str, typer.Option(help="nome do Master")],
) -> None:
    """Cria um usuário Master (senha pedida ou lida de EXPOTV_MASTER_SENHA)."""
    from expotv.migrate import upgrade
    from expotv.users.bootstrap import create_master_user

    settings = Settings()
    password = os.environ.get("EXPOTV_MASTER_SENHA") or getpass.getpass("Senha: ")
    upgrade(settings)
    try:
        asyncio.run(
            create_master_user(settings, email=email, name=nome, password=password)
        )
    except ValueError as exc:
        typer.echo(f"erro: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"Master {email} criado")


@app.command()
def demo() -> None:
    """Preenche um banco vazio com um condomínio, TVs, anúncios, avisos e notícias."""
    from expotv.demo import run_demo
    from expotv.migrate import upgrade

    settings = Settings()
    upgrade(settings)
    asyncio.run(run_demo(settings, quiet_if_filled=False))


@app.command()
def worker() -> None:
    """Converte os vídeos da fila (arq; requer EXPOTV_QUEUE_URL=redis://...)."""
    from expotv.media.worker import run_worker
    from expotv.observability.logging import configure_logging

    settings = Settings()
    if not settings.queue_url:
        typer.echo("erro: defina EXPOTV_QUEUE_URL (Redis da fila)", err=True)
        raise typer.Exit(code=1)
    configure_logging(settings)
    run_worker(settings)


@app.command()
def scheduler() -> None:
    """Roda só as tarefas agendadas, sem servir HTTP (com EXPOTV_RUN_JOBS=false
    nas instâncias de `expotv serve`)."""
    from expotv.migrate import upgrade
    from expotv.observability.logging import configure_logging

    settings = Settings()
    upgrade(settings)
    configure_logging(settings)
    asyncio.run(_run_scheduler(settings))


@app.command("graphql-schema")
def graphql_schema(
    output: Annotated[Path, typer.Option(help="arquivo de saída (SDL)")] = Path(
        "schema.graphql"
    ),
) -> None:
    """Exporta o esquema GraphQL (SDL) para schema.graphql."""
    from expotv.graphql.export import write_schema

    changed = write_schema(output)
    typer.echo(f"{output}: {'atualizado' if changed else 'já estava em dia'}")


async def _run_scheduler(settings: Settings) -> None:
    """The jobs' parts of the context (no HTTP app, hub, pings or media worker)."""
    import signal

    from expotv.context import open_context

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with open_context(settings, jobs=True, feeds_client=True):
        typer.echo("agendador em execução; Ctrl+C para parar")
        await stop.wait()


def main() -> None:
    """The console script: configuration mistakes end in one line (expotv.startup)."""
    from expotv.startup import run_cli

    run_cli(app)


if __name__ == "__main__":  # pragma: no cover
    main()
