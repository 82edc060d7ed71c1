"""Fuzzing ``/graphql`` from its own schema (hypothesis-graphql), per level.

Queries over every root field, and each mutation on its own, generated from
``schema.graphql`` with arbitrary arguments (ids, texts with NUL, dates, files
given as text), sent as each level of the authz world. None may answer 5xx or an
``internal_error``, and every error must carry the contract's ``code`` and
``status``. The examples are drawn first (derandomized, so a failure reproduces)
and then sent over the running app on each database.
"""

from __future__ import annotations

from typing import Any

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from expotv.graphql.export import schema_sdl
from expotv.users.schemas import Level
from tests.integration.authz.conftest import World
from tests.integration.graphql.conftest import gql

# A sweep of generated input over every route: run untraced by coverage (tracing
# it doubled its time), which counts what the targeted tests execute.
pytestmark = pytest.mark.no_cover

SCHEMA = graphql.build_schema(schema_sdl())
CUSTOM_SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "DateTime": st.one_of(
        st.datetimes().map(lambda moment: nodes.String(moment.isoformat())),
        st.text(max_size=30).map(nodes.String),
    ),
    # A file can only come as a multipart part: anything else must be refused.
    "Upload": st.one_of(
        st.just(graphql.NullValueNode()), st.text(max_size=10).map(nodes.String)
    ),
}
MUTATIONS = sorted(SCHEMA.mutation_type.fields) if SCHEMA.mutation_type else []


def _drawn(strategy: st.SearchStrategy[str], count: int) -> list[str]:
    found: list[str] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(document: str) -> None:
        found.append(document)

    collect()
    return found


QUERIES = _drawn(queries(SCHEMA, custom_scalars=CUSTOM_SCALARS), 40)
WRITES = [
    document
    for field in MUTATIONS
    for document in _drawn(
        mutations(SCHEMA, fields=[field], custom_scalars=CUSTOM_SCALARS), 6
    )
]


def _check(response: httpx.Response, document: str) -> None:
    assert response.status_code < 500, (document, response.text)
    body = response.json()
    if isinstance(body, dict) and "detail" in body:
        return  # A transport refusal, REST-shaped.
    for error in body.get("errors") or []:
        extensions = error.get("extensions") or {}
        assert extensions.get("code"), (document, error)
        assert extensions.get("code") != "internal_error", (document, error)
        assert 400 <= extensions["status"] < 500, (document, error)


@pytest.mark.parametrize("level", list(Level))
async def test_generated_queries_never_fail_inside(
    client: httpx.AsyncClient, world: World, level: Level
) -> None:
    for document in QUERIES:
        response = await gql(client, document, headers=world.headers[level])
        _check(response, document)


@pytest.mark.parametrize("level", list(Level))
async def test_generated_mutations_never_fail_inside(
    client: httpx.AsyncClient, world: World, level: Level
) -> None:
    for document in WRITES:
        response = await gql(client, document, headers=world.headers[level])
        _check(response, document)
