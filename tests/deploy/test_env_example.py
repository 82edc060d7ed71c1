""".env.example lists every setting Settings reads, each with its meaning and its
default: an operator reads that file, not config.py."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path

from pydantic import SecretStr

from expotv.config import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"
ASSIGNMENT = re.compile(r"^#?\s*(EXPOTV_[A-Z0-9_]+)=(.*)$")
HOW_TO_FIX = (
    "Every setting in src/expotv/config.py must appear in .env.example as a commented "
    "`# EXPOTV_NAME=<default>` line under a `#` line saying what it means (and in the "
    "README's configuration table); where the default is empty, show an example value "
    "and say the default in the comment."
)


def documented() -> dict[str, tuple[str, str]]:
    """Name -> (value shown, the comment line just above its block)."""
    found: dict[str, tuple[str, str]] = {}
    comment = ""
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = ASSIGNMENT.match(line)
        if match:
            found[match[1]] = (match[2].strip(), comment)
        elif line.startswith("# "):
            comment = line
        elif not line.strip():
            comment = ""
    return found


def rendered_default(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return str(value)


def test_every_setting_is_in_env_example_and_nothing_else() -> None:
    read = {f"EXPOTV_{name.upper()}" for name in Settings.model_fields}
    shown = set(documented())

    assert read - shown == set(), f"missing from .env.example. {HOW_TO_FIX}"
    assert shown - read == set(), ".env.example names settings Settings doesn't read"


def test_env_example_shows_each_default_under_its_meaning() -> None:
    shown = documented()
    wrong = {}
    for name, field in Settings.model_fields.items():
        value, comment = shown.get(f"EXPOTV_{name.upper()}", ("", ""))
        if not comment:
            wrong[name] = "no comment line above it"
        elif field.default is not None and value != rendered_default(field.default):
            wrong[name] = f"shows {value!r}, default is {field.default!r}"

    assert wrong == {}, HOW_TO_FIX
