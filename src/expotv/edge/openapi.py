"""What the request edge answers, said in /openapi.json for every route it applies to.

The edge refuses a body before any route runs: larger than the route's cap (413),
of a media type the route's ``requestBody`` does not declare (415). Those answers
are the same on every route that takes a body, so they are documented here once,
on each such operation, instead of on every router.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
EDGE_RESPONSES = {
    "413": {"description": "corpo da requisição grande demais", "content": _ERROR},
    "415": {"description": "tipo de conteúdo não aceito", "content": _ERROR},
}


def add_edge_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with the edge's answers on every operation that takes a body (an
    operation's own description of them is kept)."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                responses = operation.setdefault("responses", {})
                for status, response in EDGE_RESPONSES.items():
                    responses.setdefault(status, response)
    return schema


def document_edge(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI schema carry the edge's answers (built once, cached
    by FastAPI as before)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_edge_responses(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
