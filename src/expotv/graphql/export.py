"""``schema.graphql``: the SDL clients rely on, exported from the code.

``expotv graphql-schema`` writes it; a test fails when the committed file and the
code disagree (CI runs it).
"""

from __future__ import annotations

from pathlib import Path

from expotv.graphql.schema import build_schema

FILE_NAME = "schema.graphql"


def schema_sdl() -> str:
    return build_schema().as_str() + "\n"


def write_schema(path: Path) -> bool:
    """Write the SDL to ``path``; True when the file changed."""
    text = schema_sdl()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True
