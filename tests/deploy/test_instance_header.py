"""EXPOTV_INSTANCE_NAME names the backend that answered (X-Expotv-Instance)."""

from __future__ import annotations

from pathlib import Path

import httpx

from expotv.main import create_app
from tests.conftest import make_settings


async def get_live(tmp_path: Path, **overrides: object) -> httpx.Response:
    app = create_app(make_settings(tmp_path, **overrides))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/health/live")


async def test_named_instance_says_its_name(tmp_path: Path) -> None:
    response = await get_live(tmp_path, instance_name="api-2")

    assert response.status_code == 200
    assert response.headers["x-expotv-instance"] == "api-2"


async def test_unnamed_instance_sends_no_header(tmp_path: Path) -> None:
    response = await get_live(tmp_path)

    assert response.status_code == 200
    assert "x-expotv-instance" not in response.headers
