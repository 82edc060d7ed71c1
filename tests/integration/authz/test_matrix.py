"""The authorization matrix (``table.TABLE``) against the running app, per database."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.authz.conftest import World
from tests.integration.authz.table import TABLE, Case, Ctx, cases, object_cases

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


async def perform(
    client: httpx.AsyncClient, world: World, case: Case, target: str | None = None
) -> httpx.Response:
    ctx = Ctx(world=world, client=client)
    prepared = await case.row.build(ctx, target or case.target)
    headers = world.headers[case.level] if case.level else {}
    return await client.request(
        case.row.method,
        prepared.url,
        headers=headers,
        params=prepared.params,
        json=prepared.json,
        data=prepared.data,
        files=prepared.files,
    )


async def test_every_operation_has_a_row(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    operations = {
        (method.upper(), path)
        for path, item in response.json()["paths"].items()
        for method in item
        if method in METHODS
    }
    rows = {(row.method, row.path) for row in TABLE}
    assert operations - rows == set(), "operations without a row in authz/table.py"
    assert rows - operations == set(), "rows for operations the API does not have"


def test_rows_are_unique_and_complete() -> None:
    labels = [row.label for row in TABLE]
    assert len(labels) == len(set(labels))
    for row in TABLE:
        assert row.cells, row.label
        if any(target in row.cells for target in ("own", "other", "shared")):
            assert "-" not in row.cells, row.label


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
async def test_status_matches_the_table(
    client: httpx.AsyncClient, world: World, case: Case
) -> None:
    response = await perform(client, world, case)
    assert response.status_code == case.expected, response.text
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"


def _error(response: httpx.Response) -> tuple[int, Any]:
    return response.status_code, response.json() if response.content else None


@pytest.mark.parametrize("case", object_cases(), ids=lambda c: c.id)
async def test_other_tenants_object_is_indistinguishable_from_a_missing_one(
    client: httpx.AsyncClient, world: World, case: Case
) -> None:
    other = await perform(client, world, case)
    missing = await perform(client, world, case, target="missing")
    assert _error(other) == _error(missing)
