"""Login helpers shared by the auth and users tests."""

from __future__ import annotations

from typing import Any

import httpx
import jwt

from tests import support


async def login(
    client: httpx.AsyncClient, email: str, password: str = support.PASSWORD
) -> httpx.Response:
    return await client.post("/auth/login", json={"email": email, "senha": password})


async def tokens_for(
    client: httpx.AsyncClient, email: str, password: str = support.PASSWORD
) -> dict[str, Any]:
    response = await login(client, email, password)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def unverified_claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims
