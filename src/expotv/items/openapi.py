"""The OpenAPI ``requestBody`` of item writes: one model, two content types.

The route reads its body itself (``items.body``), so FastAPI can not describe it;
this builds the description from the same Pydantic model, keeping ``/openapi.json``
truthful: JSON as the model's schema, and a form where ids repeat, ``null`` does
not exist (an empty value clears), lists of objects are JSON text and the file
field is binary. The model's nested definitions (a window of ``horarios``) are
written inline: the operation has no ``$defs`` of its own to point at.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from expotv.items.body import FILE_FIELD, json_fields

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


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with each ``{"$ref": "#/$defs/X"}`` replaced by ``X`` itself."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                rest = {key: value for key, value in node.items() if key != "$ref"}
                return {**resolve(definitions[ref.removeprefix("#/$defs/")]), **rest}
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    inlined: dict[str, Any] = resolve(schema)
    return inlined


def _as_json_text(schema: dict[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in schema.items() if k not in ("type", "items", "maxItems")}
    content = {k: v for k, v in schema.items() if k in ("type", "items", "maxItems")}
    return {
        **rest,
        "type": "string",
        "contentMediaType": "application/json",
        "contentSchema": content,
    }


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema by alias, self-contained."""
    return _inlined(model.model_json_schema(by_alias=True))


def form_schema(
    model: type[BaseModel],
    *,
    file_required: bool,
    file_description: str,
    file_field: str = FILE_FIELD,
) -> dict[str, Any]:
    schema = json_schema(model)
    texts = json_fields(model)
    properties = {
        name: _without_null(copy.deepcopy(prop))
        for name, prop in schema["properties"].items()
        if name != file_field
    }
    for name in texts & properties.keys():
        properties[name] = _as_json_text(properties[name])
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
                "application/json": {"schema": json_schema(model)},
            },
        }
    }
