"""Bodies at the request edge: size caps, media types and JSON checks, on every
route, each refused before anything parses it."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from expotv.condominiums.models import Condominium
from expotv.edge.bodies import MAX_JSON_DEPTH
from expotv.edge.middleware import JSON, declared_media_types
from tests import support
from tests.cost import WALL_SECONDS, measured
from tests.integration.edge.conftest import Objects, api_routes

MiB = 1024 * 1024
JSON_HEADERS = {"Content-Type": "application/json"}


async def count_condominiums(factory: support.Factory) -> int:
    async with factory.sessionmaker() as session:
        return int(await session.scalar(select(func.count(Condominium.id))) or 0)


async def test_a_20_mb_text_login_is_refused_without_being_read(
    client: httpx.AsyncClient,
) -> None:
    body = b"a" * (20 * MiB)
    with measured() as cost:
        response = await client.post(
            "/auth/login", content=body, headers={"Content-Type": "text/plain"}
        )

    assert cost.cpu_seconds < 1.0
    assert cost.seconds < WALL_SECONDS
    assert cost.peak_growth_bytes < 16 * MiB
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_content_type"


async def test_oversized_json_and_form_bodies_are_413_on_small_routes(
    client: httpx.AsyncClient, objects: Objects, factory: support.Factory
) -> None:
    big = b'{"nome": "' + b"a" * (20 * MiB) + b'"}'
    bodies = [
        ("/auth/login", big, "application/json"),
        ("/auth/login", b"username=" + b"a" * (2 * MiB), FORM_TYPE),
        ("/condominios", big, "application/json"),
        ("/condominios", b'{"nome": "' + b"a" * MiB + b'"}', "application/json"),
    ]
    with measured() as cost:
        responses = [
            await client.post(
                path,
                content=content,
                headers={**objects.headers, "Content-Type": content_type},
            )
            for path, content, content_type in bodies
        ]

    for (path, _, _), response in zip(bodies, responses, strict=True):
        assert response.status_code == 413, path
        assert response.json()["code"] == "body_too_large"
        assert "1 MB" in response.json()["detail"]
    assert cost.cpu_seconds < 2.0
    assert cost.seconds < WALL_SECONDS
    assert await count_condominiums(factory) == 1  # only the fixture's


FORM_TYPE = "application/x-www-form-urlencoded"


async def test_deep_json_is_a_422_on_every_json_route(
    app: FastAPI, client: httpx.AsyncClient, objects: Objects
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    routes = [(p, r) for p, r in api_routes(app) if JSON in declared_media_types(r)]
    assert len(routes) >= 15
    with measured() as cost:
        await _send_deep_json(client, objects, routes, deep)
    assert cost.cpu_seconds < 0.2 * len(routes)
    assert cost.seconds < WALL_SECONDS


async def _send_deep_json(
    client: httpx.AsyncClient,
    objects: Objects,
    routes: list[tuple[str, APIRoute]],
    deep: bytes,
) -> None:
    for path, route in routes:
        for method in route.methods:
            response = await client.request(
                method,
                objects.path(path).replace("{codigo}", "ABCDEF"),
                content=deep,
                headers={**objects.headers, **JSON_HEADERS},
            )
            assert response.status_code == 422, (method, path, response.text)
            assert response.json()["code"] == "json_too_deep"
            assert str(MAX_JSON_DEPTH) in response.json()["detail"][0]["msg"]


async def test_json_at_the_depth_limit_reaches_the_route(
    client: httpx.AsyncClient, objects: Objects
) -> None:
    nested = b'{"a":' * (MAX_JSON_DEPTH - 1) + b"1" + b"}" * (MAX_JSON_DEPTH - 1)
    response = await client.post(
        "/condominios",
        content=b'{"nome": "Fundo", "extra": ' + nested + b"}",
        headers={**objects.headers, **JSON_HEADERS},
    )
    assert response.status_code == 201, response.text


async def test_other_media_types_are_415_where_json_is_expected(
    client: httpx.AsyncClient, objects: Objects, factory: support.Factory
) -> None:
    for content_type in ("text/plain", FORM_TYPE, "multipart/form-data; boundary=x"):
        response = await client.post(
            "/condominios",
            content=b"nome=Ed.",
            headers={**objects.headers, "Content-Type": content_type},
        )
        assert response.status_code == 415, content_type
        assert response.json()["code"] == "unsupported_content_type"
        assert "application/json" in response.json()["detail"]
    assert await count_condominiums(factory) == 1


async def test_login_takes_json_or_the_oauth2_form_and_nothing_else(
    client: httpx.AsyncClient, factory: support.Factory, clean: None
) -> None:
    user = await factory.user()
    form = await client.post(
        "/auth/login", data={"username": user.email, "password": support.PASSWORD}
    )
    assert form.status_code == 200, form.text
    as_json = await client.post(
        "/auth/login", json={"email": user.email, "senha": support.PASSWORD}
    )
    assert as_json.status_code == 200, as_json.text
    missing = await client.post("/auth/login", data={"username": user.email})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "password"]
    assert missing.json()["detail"][0]["msg"] == "campo obrigatório"
    multipart = await client.post(
        "/auth/login",
        files={"username": (None, user.email), "password": (None, support.PASSWORD)},
    )
    assert multipart.status_code == 415


async def test_malformed_json_is_a_pt_br_422_everywhere(
    client: httpx.AsyncClient, objects: Objects
) -> None:
    for path in ("/auth/login", "/condominios", "/avisos"):
        response = await client.post(
            path, content=b'{"nome": ', headers={**objects.headers, **JSON_HEADERS}
        )
        assert response.status_code == 422, path
        [error] = response.json()["detail"]
        assert error["type"] == "json_invalid"
        assert error["msg"] == "JSON inválido"


async def test_lone_surrogate_in_json_is_422_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/auth/register",
        content=b'{"nome": "\\ud800", "email": "a@example.com", "senha": "12345678"}',
        headers=JSON_HEADERS,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_unicode"
    assert response.json()["detail"][0]["loc"] == ["body", "nome"]
