"""/openapi.json describes the scheduling fields (issue 13) and every description in
it is for people, in Portuguese."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from expotv.config import Environment, Settings
from expotv.main import create_app

SCHEDULING = {
    "data_inicio",
    "data_expiracao",
    "horarios",
    "tvs_ids",
    "emergencia",
    "fuso_horario",
    "modo",
    "valido_ate",
    "motivo",
    "dias",
    "inicio",
    "fim",
}
# Where each field must be: schema or request body -> fields.
EXPECTED = {
    "AdRead": {"data_inicio", "data_expiracao", "horarios", "tvs_ids"},
    "NoticeRead": {
        "data_inicio",
        "data_expiracao",
        "horarios",
        "tvs_ids",
        "emergencia",
    },
    "WindowRead": {"dias", "inicio", "fim"},
    "CondominiumRead": {"fuso_horario"},
    "PlaylistRead": {"modo", "valido_ate"},
    "TVPlaylistRead": {"modo", "valido_ate"},
    "OutItemRead": {"motivo"},
    "POST /anuncios": {"data_inicio", "data_expiracao", "horarios", "tvs_ids"},
    "PUT /anuncios/{ad_id}": {"data_inicio", "data_expiracao", "horarios", "tvs_ids"},
    "POST /avisos": {"data_inicio", "horarios", "tvs_ids", "emergencia"},
    "PUT /avisos/{notice_id}": {"data_inicio", "horarios", "tvs_ids", "emergencia"},
}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir: Path = tmp_path_factory.mktemp("openapi")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=Environment.TEST,
        data_dir=data_dir,
        jwt_secret="openapi-" + "x" * 32,
    )
    result: dict[str, Any] = create_app(settings).openapi()
    return result


def _described(prop: dict[str, Any], spec: dict[str, Any]) -> bool:
    if prop.get("description"):
        return True
    # Optional fields: the description may sit on the non-null branch.
    return any(branch.get("description") for branch in prop.get("anyOf", ()) if branch)


def _schemas_of(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Component schemas, and each item route's request bodies (every media type)."""
    found = dict(spec["components"]["schemas"])
    for name in [n for n in EXPECTED if " " in n]:
        method, path = name.split(" ", 1)
        body = spec["paths"][path][method.lower()]["requestBody"]
        for media_type, content in body["content"].items():
            schema = content["schema"]
            if "$ref" in schema:
                schema = found[schema["$ref"].rsplit("/", 1)[-1]]
            found[f"{name} {media_type}"] = schema
    return found


def test_every_scheduling_field_is_described_wherever_it_appears(
    spec: dict[str, Any],
) -> None:
    schemas = _schemas_of(spec)
    missing = [
        f"{name}.{field}"
        for name, schema in schemas.items()
        for field, prop in schema.get("properties", {}).items()
        if field in SCHEDULING and not _described(prop, spec)
    ]
    assert missing == []


def test_the_scheduling_fields_are_where_the_contract_puts_them(
    spec: dict[str, Any],
) -> None:
    schemas = _schemas_of(spec)
    for name, fields in EXPECTED.items():
        matching = [s for key, s in schemas.items() if key.startswith(name)]
        assert matching, name
        for schema in matching:
            assert fields <= set(schema.get("properties", {})), name


def test_no_code_docstring_leaks_into_a_schema_description(
    spec: dict[str, Any],
) -> None:
    """Descriptions are read by people (in Portuguese); a class docstring (English,
    with ``code`` markup) becomes one unless it is a comment."""
    leaked = {
        name: schema["description"]
        for name, schema in spec["components"]["schemas"].items()
        if "``" in schema.get("description", "")
    }
    assert leaked == {}
