import httpx


async def test_lone_surrogate_in_json_is_422_not_500(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/register",
        content=b'{"nome": "\\ud800", "email": "a@example.com", "senha": "12345678"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_unicode"


async def test_oversized_json_body_is_413(client: httpx.AsyncClient) -> None:
    body = b'{"nome": "' + b"a" * (1024 * 1024 + 10) + b'"}'
    response = await client.post(
        "/auth/register", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


async def test_malformed_json_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/login",
        content=b'{"email": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422


async def test_malformed_json_is_422_on_model_routes(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/condominios",
        content=b"{nome: x}",
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
