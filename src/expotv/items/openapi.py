"""The OpenAPI ``requestBody`` of item writes: one model, two content types.

The route reads its body itself (``items.body``), so FastAPI can not describe it;
this builds the description from the same Pydantic model, keeping ``/openapi.json``
truthful: JSON as the model's schema, and a form where ids repeat, ``null`` does
not exist (an empty value clears) and the file field is binary.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from expotv.items.body import FILE_FIELD

_FILE_SCHEMA = {
    "type": "string",
    "format": "binary",
    "contentMediaType": "application/octet-stream",
}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    options = schema.get("anyOf")
    if options is None:
        return schema
    kept = [option for option in options if option.get("type") != "null"]
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    rest.pop("default", None)
    if len(kept) == 1:
        return {**kept[0], **rest}
    return {**rest, "anyOf": kept}


def form_schema(
    model: type[BaseModel],
    *,
    file_required: bool,
    file_description: str,
    file_field: str = FILE_FIELD,
) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True)
    properties = {
        name: _without_null(copy.deepcopy(prop))
        for name, prop in schema["properties"].items()
        if name != file_field
    }
    properties[file_field] = {**_FILE_SCHEMA, "description": file_description}
    required = [name for name in schema.get("required", []) if name != file_field]
    if file_required:
        required.append(file_field)
    result: dict[str, Any] = {
        "type": "object",
        "title": f"{schema['title']}Form",
        "properties": properties,
    }
    if required:
        result["required"] = required
    return result


def item_request_body(
    model: type[BaseModel],
    *,
    file_required: bool,
    file_description: str,
    description: str,
) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads ``model`` with ``items.body``."""
    json_schema = model.model_json_schema(by_alias=True)
    # Inlined in the operation, so the schema must not point at shared definitions.
    assert "$defs" not in json_schema, f"{model.__name__} needs flat fields"
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "multipart/form-data": {
                    "schema": form_schema(
                        model,
                        file_required=file_required,
                        file_description=file_description,
                    )
                },
                "application/json": {"schema": json_schema},
            },
        }
    }
