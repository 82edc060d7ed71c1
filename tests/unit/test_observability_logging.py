"""Log formatting and set-up: JSON lines, request ids, masked secrets."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from expotv.observability.logging import (
    JsonFormatter,
    TextFormatter,
    clean_text,
    configure_logging,
    install_record_factory,
    new_request_id,
    request_id_var,
    valid_request_id,
)
from tests.conftest import make_settings


def make_record(
    msg: str = "olá %s", *args: object, **extra: object
) -> logging.LogRecord:
    record = logging.getLogger("expotv.teste").makeRecord(
        "expotv.teste", logging.INFO, __file__, 1, msg, args or ("mundo",), None
    )
    record.__dict__.update(extra)
    return record


UUID = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    factory = logging.getLogRecordFactory()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.setLogRecordFactory(factory)


def test_json_lines_carry_time_level_logger_message_and_extras() -> None:
    line = JsonFormatter().format(
        make_record(request_id="abc", route="/tvs/{tv_id}", status=200)
    )

    entry = json.loads(line)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "expotv.teste"
    assert entry["message"] == "olá mundo"
    assert entry["request_id"] == "abc"
    assert entry["route"] == "/tvs/{tv_id}"
    assert entry["status"] == 200
    assert entry["timestamp"].endswith("+00:00")
    assert "\n" not in line


def test_extras_named_like_secrets_are_masked() -> None:
    secret = "eyJ.segredo.assinatura"
    record = make_record(
        authorization=f"Bearer {secret}",
        refresh_token=secret,
        senha=secret,
        api_key=secret,
    )

    for formatter in (JsonFormatter(), TextFormatter()):
        assert secret not in formatter.format(record)


def test_exceptions_are_kept_inside_one_json_line() -> None:
    try:
        raise ValueError("quebrou")
    except ValueError:
        record = make_record()
        record.exc_info = sys.exc_info()

    line = JsonFormatter().format(record)

    assert "\n" not in line
    assert "ValueError: quebrou" in json.loads(line)["exception"]


def test_text_lines_start_with_the_request_id() -> None:
    line = TextFormatter().format(make_record(request_id="req-9", status=404))

    assert line.startswith("[req-9] ")
    assert line.endswith("status=404")


@pytest.mark.usefixtures("root_logging")
def test_records_made_during_a_request_carry_its_id() -> None:
    install_record_factory()
    install_record_factory()  # idempotent
    token = request_id_var.set("dentro")
    try:
        inside = make_record()
    finally:
        request_id_var.reset(token)
    outside = make_record()

    assert inside.request_id == "dentro"  # type: ignore[attr-defined]
    assert outside.request_id is None  # type: ignore[attr-defined]


@pytest.mark.usefixtures("root_logging")
def test_configure_logging_writes_json_to_stderr_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(tmp_path, log_json=True, log_level="warning")
    configure_logging(settings)
    configure_logging(settings)

    logging.getLogger("expotv.teste").info("abaixo do nível")
    logging.getLogger("expotv.teste").warning("aviso %d", 1)

    lines = capsys.readouterr().err.strip().splitlines()
    assert [json.loads(line)["message"] for line in lines] == ["aviso 1"]
    assert logging.getLogger().level == logging.WARNING


@pytest.mark.usefixtures("root_logging")
def test_configure_logging_falls_back_to_info_on_an_unknown_level(
    tmp_path: Path,
) -> None:
    configure_logging(make_settings(tmp_path, log_level="verboso"))

    assert logging.getLogger().level == logging.INFO


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("abc-123", "abc-123"),
        (
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
        ),
        ("a" * 128, "a" * 128),
        ("a" * 129, None),
        ("", None),
        (None, None),
        ("linha\nforjada", None),
        ("com espaço", None),
        ("-hífen", None),
    ],
)
def test_only_short_plain_request_ids_are_accepted(
    given: str | None, expected: str | None
) -> None:
    assert valid_request_id(given) == expected


def test_client_text_loses_control_characters_and_length() -> None:
    assert clean_text("/a\nb\x1b[31m", limit=5) == "/a?b?"


_FORKS = """
import os
from expotv.observability.logging import new_request_id
print(new_request_id(), flush=True)
if os.fork() == 0:
    print(new_request_id(), flush=True)
    os._exit(0)
os.wait()
"""


def test_made_request_ids_are_plain_unique_and_differ_in_a_forked_child() -> None:
    ids = [new_request_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(valid_request_id(i) == i and len(i) == 32 for i in ids)
    # In a fresh process (a fork here would be one of a threaded test process).
    done = subprocess.run(
        [sys.executable, "-c", _FORKS], capture_output=True, text=True, check=True
    )
    parent, child = done.stdout.split()
    # Each process draws its own random part.
    assert parent[:20] != child[:20] != ids[0][:20]
