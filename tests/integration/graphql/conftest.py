"""GraphQL over the running app: a helper to send operations, and the authz world
(two tenants, one user per level) of ``tests/integration/authz``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests import support
from tests.integration.authz.conftest import feeds_offline, world

__all__ = ["Statements", "feeds_offline", "gql", "statements", "world"]


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return await client.post("/graphql", json=body, headers=headers or {})


@dataclass
class Statements:
    """Every SQL statement the app's engine runs while recording."""

    log: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.log)

    def clear(self) -> None:
        self.log.clear()


@pytest.fixture
def statements(app: FastAPI) -> Iterator[Statements]:
    with support.recorded_statements(app) as log:
        yield Statements(log)
