"""Access log lines of the real app: JSON, with request id, user or TV, no secrets."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from expotv.observability.logging import ACCESS_LOGGER, JsonFormatter
from expotv.users.models import User


def access_entries(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    formatter = JsonFormatter()
    return [
        json.loads(formatter.format(r))
        for r in caplog.records
        if r.name == ACCESS_LOGGER
    ]


async def test_access_log_names_the_user_and_keeps_the_token_out(
    client: httpx.AsyncClient,
    admin: User,
    admin_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = admin_headers["Authorization"].removeprefix("Bearer ")
    with caplog.at_level(logging.INFO):
        response = await client.get(
            f"/auth/me?access_token={token}",
            headers={**admin_headers, "X-Request-ID": "painel-77"},
        )

    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "painel-77"
    [entry] = access_entries(caplog)
    assert entry["request_id"] == "painel-77"
    assert entry["user_id"] == admin.id
    assert entry["route"] == "/auth/me"
    assert entry["status"] == 200
    formatter = JsonFormatter()
    # The test's own client (httpx) logs the URL it called; the app's lines must not.
    for record in (r for r in caplog.records if r.name != "httpx"):
        line = formatter.format(record)
        json.loads(line)
        assert token not in line
        assert "Bearer" not in line


async def test_access_log_names_the_tv_of_public_tv_routes(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = await client.get("/app/tv/qwxzrt/content")

    assert response.status_code == 404
    [entry] = access_entries(caplog)
    assert entry["tv_code"] == "QWXZRT"
    assert entry["route"] == "/app/tv/{codigo}/content"
    assert "user_id" not in entry
    assert entry["request_id"] == response.headers["X-Request-ID"]
