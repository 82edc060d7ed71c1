"""``schema.graphql`` is what the code builds: export it after changing the schema
(``expotv graphql-schema``) and commit the file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from expotv.cli import app
from expotv.graphql.export import FILE_NAME, schema_sdl

REPO = Path(__file__).resolve().parents[2]


def test_committed_schema_matches_the_code() -> None:
    committed = (REPO / FILE_NAME).read_text(encoding="utf-8")
    assert committed == schema_sdl(), (
        "schema.graphql está desatualizado: rode `expotv graphql-schema` e "
        "versione o arquivo"
    )


def test_the_command_writes_the_schema(tmp_path: Path) -> None:
    target = tmp_path / FILE_NAME
    first = CliRunner().invoke(app, ["graphql-schema", "--output", str(target)])
    assert first.exit_code == 0, first.output
    assert "atualizado" in first.output
    assert target.read_text(encoding="utf-8") == schema_sdl()
    again = CliRunner().invoke(app, ["graphql-schema", "--output", str(target)])
    assert "já estava em dia" in again.output
