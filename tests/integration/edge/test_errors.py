"""Every error body, on every route, is ``{"detail", "code"}`` in pt-BR."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.edge.conftest import ENGLISH, Objects

WRONG_VALUES = {
    "string": [1],  # a number would pass as a timestamp for date-time strings
    "integer": "abc",
    "boolean": "talvez",
    "array": "x",
    "number": "abc",
}


def assert_pt_br(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("code"), str), body
    assert body["code"], body
    detail = body["detail"]
    messages = [e["msg"] for e in detail] if isinstance(detail, list) else [detail]
    for message in messages:
        assert not ENGLISH.search(message), body
    return body


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"][name]
    return schema


def simple_type(schema: dict[str, Any]) -> str | None:
    options = schema.get("anyOf", [schema])
    types = [o.get("type") for o in options if o.get("type") not in (None, "null")]
    return types[0] if len(types) == 1 and types[0] in WRONG_VALUES else None


def json_operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    spec = app.openapi()
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                schema = resolve(spec, content["application/json"]["schema"])
                if "properties" in schema:
                    found.append((method, path, schema))
    return found


def properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in schema["properties"].items() if not v.get("readOnly")}


async def call(
    client: httpx.AsyncClient,
    objects: Objects,
    method: str,
    path: str,
    **kwargs: Any,
) -> httpx.Response:
    url = objects.path(path).replace("{codigo}", "ABCDEF")
    return await client.request(method, url, headers=objects.headers, **kwargs)


async def test_missing_fields_are_pt_br_on_every_route(
    app: FastAPI, client: httpx.AsyncClient, objects: Objects
) -> None:
    checked = 0
    for method, path, schema in json_operations(app):
        if not schema.get("required"):
            continue
        body = assert_pt_br(await call(client, objects, method, path, json={}), 422)
        assert {"type": "missing", "msg": "campo obrigatório"}.items() <= (
            body["detail"][0].items()
        )
        checked += 1
    assert checked >= 10


async def test_wrong_types_are_pt_br_on_every_route(
    app: FastAPI, client: httpx.AsyncClient, objects: Objects
) -> None:
    checked = 0
    for method, path, schema in json_operations(app):
        for name, prop in properties(schema).items():
            kind = simple_type(prop)
            if kind is None:
                continue
            response = await call(
                client, objects, method, path, json={name: WRONG_VALUES[kind]}
            )
            body = assert_pt_br(response, 422)
            assert ["body", name] in [e["loc"][:2] for e in body["detail"]], body
            checked += 1
    assert checked >= 40


async def test_too_long_strings_are_pt_br_on_every_route(
    app: FastAPI, client: httpx.AsyncClient, objects: Objects
) -> None:
    checked = 0
    for method, path, schema in json_operations(app):
        for name, prop in properties(schema).items():
            options = prop.get("anyOf", [prop])
            limit = next((o["maxLength"] for o in options if "maxLength" in o), None)
            if limit is None or limit > 100_000:
                continue
            response = await call(
                client, objects, method, path, json={name: "x" * (limit + 1)}
            )
            body = assert_pt_br(response, 422)
            [entry] = [e for e in body["detail"] if e["loc"] == ["body", name]]
            assert str(limit) in entry["msg"], entry
            checked += 1
    assert checked >= 15


async def test_bad_query_and_path_values_are_pt_br(
    app: FastAPI, client: httpx.AsyncClient, objects: Objects
) -> None:
    spec = app.openapi()
    checked = 0
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                options = schema.get("anyOf", [schema])
                limits = [o["maxLength"] for o in options if "maxLength" in o]
                if parameter["in"] == "query" and limits:
                    limit = limits[0]
                    value: object = "x" * (limit + 1)
                elif simple_type(schema) == "integer":
                    value = "abc"
                else:
                    continue
                target = objects.path(path).replace("{codigo}", "ABCDEF")
                if parameter["in"] == "path":
                    target = objects.path(
                        path.replace("{" + parameter["name"] + "}", str(value))
                    )
                    params = {}
                else:
                    params = {parameter["name"]: value}
                response = await client.request(
                    method, target, params=params, headers=objects.headers
                )
                body = assert_pt_br(response, 422)
                assert parameter["name"] in [e["loc"][-1] for e in body["detail"]]
                checked += 1
    assert checked >= 20


async def test_unknown_routes_and_wrong_methods_are_pt_br(
    app: FastAPI, client: httpx.AsyncClient, objects: Objects
) -> None:
    for path in ("/nada", "/tvs/1/nada", "/usuarios/x/y"):
        body = assert_pt_br(await client.get(path, headers=objects.headers), 404)
        assert body == {"detail": "recurso não encontrado", "code": "not_found"}
    spec = app.openapi()
    checked = 0
    for path, item in spec["paths"].items():
        # PATCH: no route takes it (another method could match a sibling path,
        # as PUT /noticias/fontes matches PUT /noticias/{news_id}).
        assert "patch" not in item
        wrong = "patch"
        response = await call(client, objects, wrong, path)
        body = assert_pt_br(response, 405)
        assert body["code"] == "method_not_allowed"
        assert response.headers["allow"]
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"email": "nada", "senha": "12345678", "nome": "A"}, "e-mail inválido"),
        ({"email": "a@b.c", "senha": "123", "nome": "A"}, "a senha precisa"),
    ],
)
async def test_custom_validators_lose_pydantics_english_prefix(
    client: httpx.AsyncClient, payload: dict[str, str], message: str
) -> None:
    body = assert_pt_br(await client.post("/auth/register", json=payload), 422)
    assert body["code"] == "validation_error"
    assert body["detail"][0]["msg"].startswith(message)
