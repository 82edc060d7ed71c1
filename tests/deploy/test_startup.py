"""Configuration mistakes end `expotv serve|migrate|worker|scheduler` with one pt-BR
line on stderr and exit code 2: the real command, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import support

EXPOTV = str(Path(sys.executable).with_name("expotv"))


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("EXPOTV_", "AWS_"))
    }
    clean.update({"EXPOTV_DATA_DIR": str(tmp_path / "data"), **env})
    return subprocess.run(
        [EXPOTV, *args],
        cwd=tmp_path,  # no .env from the repository
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("erro de configuração: ")
    for word in words:
        assert word in lines[0]


def test_production_without_jwt_secret(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", EXPOTV_ENVIRONMENT="production")

    assert_one_line(result, "EXPOTV_JWT_SECRET é obrigatório em produção")


def test_production_with_a_short_jwt_secret(tmp_path: Path) -> None:
    result = run(
        tmp_path, "scheduler", EXPOTV_ENVIRONMENT="production", EXPOTV_JWT_SECRET="abc"
    )

    assert_one_line(result, "32 caracteres")
    assert "abc" not in result.stderr  # a secret is never echoed


def test_unreachable_database(tmp_path: Path) -> None:
    url = f"mysql://root@127.0.0.1:{support.free_port()}/expotv"

    result = run(tmp_path, "migrate", EXPOTV_DATABASE_URL=url)

    assert_one_line(result, "banco de dados inacessível", "127.0.0.1")


def test_database_password_is_not_printed(tmp_path: Path) -> None:
    url = f"mysql://expotv:s3nha-secreta@127.0.0.1:{support.free_port()}/expotv"

    result = run(tmp_path, "migrate", EXPOTV_DATABASE_URL=url)

    assert_one_line(result, "banco de dados inacessível")
    assert "s3nha-secreta" not in result.stderr


def test_unsupported_database(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", EXPOTV_DATABASE_URL="oracle://db/expotv")

    assert_one_line(result, "banco de dados não suportado: 'oracle'")


@pytest.mark.parametrize("url", ["ftp://media", "data/media", "file://relativo"])
def test_bad_storage_url(tmp_path: Path, url: str) -> None:
    result = run(tmp_path, "serve", EXPOTV_STORAGE_URL=url)

    assert_one_line(result, "EXPOTV_STORAGE_URL inválida", "s3://bucket")


def test_unreachable_s3_endpoint(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "worker",
        EXPOTV_STORAGE_URL="s3://expotv-media",
        EXPOTV_S3_ENDPOINT_URL=f"http://127.0.0.1:{support.free_port()}",
        EXPOTV_S3_ACCESS_KEY_ID="chave",
        EXPOTV_S3_SECRET_ACCESS_KEY="segredo",
        EXPOTV_QUEUE_URL="redis://127.0.0.1:6379/0",
    )

    assert_one_line(result, "armazenamento S3 inacessível")


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("EXPOTV_ACCESS_TOKEN_SECONDS", "um dia", "precisa ser um número inteiro"),
        ("EXPOTV_ACCESS_TOKEN_SECONDS", "5", "precisa ser ≥ 60"),
        ("EXPOTV_ENVIRONMENT", "prod", "valores aceitos"),
        ("EXPOTV_RUN_JOBS", "talvez", "precisa ser true ou false"),
        ("EXPOTV_TIMEZONE", "Marte/Olympus", "fuso horário desconhecido"),
    ],
)
def test_bad_values(tmp_path: Path, name: str, value: str, words: str) -> None:
    result = run(tmp_path, "migrate", **{name: value})

    assert_one_line(result, name, words)


def test_worker_without_queue(tmp_path: Path) -> None:
    result = run(tmp_path, "worker")

    assert_one_line(result, "EXPOTV_QUEUE_URL")


def test_worker_with_unreachable_queue(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{support.free_port()}/0"

    result = run(tmp_path, "worker", EXPOTV_QUEUE_URL=url)

    assert_one_line(result, "Redis inacessível")


def test_good_configuration_runs(tmp_path: Path) -> None:
    result = run(tmp_path, "migrate")

    assert result.returncode == 0, result.stderr
    assert "banco de dados atualizado" in result.stdout


def test_help_needs_no_valid_configuration(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", "--help", EXPOTV_ENVIRONMENT="production")

    assert result.returncode == 0, result.stderr
    assert "--workers" in result.stdout


@pytest.mark.parametrize(
    ("command", "env", "words"),
    [
        ("serve", {"EXPOTV_ENVIRONMENT": "production"}, "EXPOTV_JWT_SECRET"),
        ("migrate", {"EXPOTV_DATABASE_URL": "postgresql://x@127.0.0.1:1/x"}, "banco"),
        ("serve", {"EXPOTV_STORAGE_URL": "ftp://x"}, "EXPOTV_STORAGE_URL"),
        ("worker", {"EXPOTV_QUEUE_URL": "redis://127.0.0.1:1/0"}, "Redis"),
    ],
)
def test_checks_in_process(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
    env: dict[str, str],
    words: str,
) -> None:
    """The same checks without a subprocess (so coverage sees them)."""
    from expotv.startup import run_cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EXPOTV_DATA_DIR", str(tmp_path / "data"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    ran = []

    with pytest.raises(SystemExit) as exit_info:
        run_cli(lambda: ran.append(True), [command])

    assert exit_info.value.code == 2
    assert ran == []
    assert words in capsys.readouterr().err
