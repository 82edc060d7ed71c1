"""Request bodies of item writes: ``multipart/form-data`` with a file, or JSON.

FastAPI can not declare one body that is either a form or JSON, so the route reads
the ``Request`` here, by ``Content-Type``, and validates the same Pydantic model:

    multipart/form-data   repeated or comma-separated ids for list fields, JSON
                          text for lists of objects (``horarios``); an empty
                          value is ``null`` (it clears an optional field); the
                          file field holds the upload
    application/json      (or no Content-Type) the model's JSON, strictly parsed;
                          malformed JSON is a 422
    anything else         415

Validation errors are FastAPI's 422 list, each ``loc`` starting with ``"body"``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import Request, UploadFile
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from expotv.edge.bodies import JsonTooDeep, json_depth_within
from expotv.errors import Invalid, PayloadTooLarge, UnsupportedMedia
from expotv.items.exceptions import FileExpected, SingleFileExpected
from expotv.validation import body_errors

M = TypeVar("M", bound=BaseModel)

FILE_FIELD = "arquivo"
MAX_JSON_BYTES = 1024 * 1024
# Text parts are small; the file is limited by the media rules.
_MAX_FIELDS = 1000
_MAX_FILES = 4


@dataclass(frozen=True, slots=True)
class ItemBody(Generic[M]):
    data: M
    upload: UploadFile | None


def _properties(model: type[BaseModel]) -> dict[str, dict[str, Any]]:
    properties: dict[str, dict[str, Any]] = model.model_json_schema(by_alias=True)[
        "properties"
    ]
    return properties


def form_fields(model: type[BaseModel]) -> frozenset[str]:
    """The JSON names of ``model``'s fields: what a form may send for it."""
    return frozenset(_properties(model))


def _arrays(schema: dict[str, Any]) -> list[dict[str, Any]]:
    options = [schema, *schema.get("anyOf", [])]
    return [option for option in options if option.get("type") == "array"]


def _of_objects(array: dict[str, Any]) -> bool:
    items = array.get("items", {})
    return "$ref" in items or items.get("type") == "object"


def list_fields(model: type[BaseModel]) -> frozenset[str]:
    """The JSON names of ``model``'s lists of scalars (ids), from its JSON schema."""
    return frozenset(
        name
        for name, schema in _properties(model).items()
        if (arrays := _arrays(schema)) and not any(map(_of_objects, arrays))
    )


def json_fields(model: type[BaseModel]) -> frozenset[str]:
    """The JSON names of ``model``'s lists of objects: JSON text in a form."""
    return frozenset(
        name
        for name, schema in _properties(model).items()
        if any(map(_of_objects, _arrays(schema)))
    )


def split_ids(values: Iterable[str]) -> list[str]:
    """``["1,2", " 3 "]`` -> ``["1", "2", "3"]``; blanks are dropped."""
    return [
        token.strip() for value in values for token in value.split(",") if token.strip()
    ]


def _is_empty_file(upload: StarletteUploadFile) -> bool:
    # What a browser sends for a file input left empty.
    return not upload.filename and not upload.size


def form_values(
    form: FormData,
    *,
    fields: frozenset[str],
    lists: frozenset[str],
    json_texts: frozenset[str] = frozenset(),
    file_field: str = FILE_FIELD,
) -> tuple[dict[str, Any], UploadFile | None]:
    """The model's input from a form, and the upload; unknown fields are dropped."""
    values: dict[str, Any] = {}
    upload: UploadFile | None = None
    for key in dict.fromkeys(form.keys()):
        if key not in fields and key != file_field:
            continue
        parts = form.getlist(key)
        texts = [part for part in parts if isinstance(part, str)]
        files = [
            part
            for part in parts
            if isinstance(part, StarletteUploadFile) and not _is_empty_file(part)
        ]
        if key == file_field:
            if len(files) > 1:
                raise SingleFileExpected(file_field)
            if files:
                upload = _as_fastapi_upload(files[0])
            elif any(text.strip() for text in texts):
                raise FileExpected(file_field)
            elif texts:
                values[key] = None
            continue
        if len(texts) < len(parts):
            if files:
                raise Invalid("este campo não aceita arquivo", field=key)
            continue
        if key in lists:
            values[key] = split_ids(texts)
        elif key in json_texts:
            values[key] = _json_text(key, texts[-1])
        else:
            last = texts[-1]
            values[key] = last if last.strip() else None
    return values, upload


def _json_text(field: str, text: str) -> Any:
    if not text.strip():
        return None
    # The edge measures JSON bodies, not JSON inside a form field: json.loads
    # recurses per level (a RecursionError, a 500, past ~1000 of them).
    within = json_depth_within(text.encode())
    if within is False:
        raise JsonTooDeep(loc=("body", field))
    try:
        if within is None:
            raise ValueError("unbalanced brackets")
        return json.loads(text)
    except ValueError:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ["body", field],
                    "msg": "JSON inválido: envie a lista em JSON neste campo",
                }
            ]
        ) from None


def _as_fastapi_upload(part: StarletteUploadFile) -> UploadFile:
    return UploadFile(
        part.file, size=part.size, filename=part.filename, headers=part.headers
    )


def _media_type(request: Request) -> str:
    header = request.headers.get("content-type", "")
    return header.split(";", 1)[0].strip().lower()


def _is_json(media_type: str) -> bool:
    return media_type in ("", "application/json") or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def _read_limited(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge("corpo da requisição grande demais")
        chunks.append(chunk)
    return b"".join(chunks)


def validation_error(exc: ValidationError) -> RequestValidationError:
    """Pydantic's errors as FastAPI's 422, JSON-safe, located in the body."""
    return RequestValidationError(body_errors(exc))


def _malformed(message: str) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "body_invalid", "loc": ["body"], "msg": message}]
    )


async def _read_form(request: Request) -> FormData:
    try:
        return await request.form(max_files=_MAX_FILES, max_fields=_MAX_FIELDS)
    except MultiPartException as exc:
        raise _malformed(exc.message) from None
    except StarletteHTTPException as exc:
        if exc.status_code != 400:
            raise
        raise _malformed(str(exc.detail)) from None


def item_body(
    model: type[M], *, file_field: str = FILE_FIELD
) -> Callable[[Request], AsyncIterator[ItemBody[M]]]:
    """A dependency that reads and validates ``model`` from a form or JSON body."""
    fields = form_fields(model)
    lists = list_fields(model)
    json_texts = json_fields(model)

    async def read(request: Request) -> AsyncIterator[ItemBody[M]]:
        media_type = _media_type(request)
        if media_type == "multipart/form-data":
            form = await _read_form(request)
            try:
                values, upload = form_values(
                    form,
                    fields=fields,
                    lists=lists,
                    json_texts=json_texts,
                    file_field=file_field,
                )
                try:
                    data = model.model_validate(values)
                except ValidationError as exc:
                    raise validation_error(exc) from None
                yield ItemBody(data=data, upload=upload)
            finally:
                await form.close()
            return
        if not _is_json(media_type):
            raise UnsupportedMedia(
                "tipo de conteúdo não aceito: envie multipart/form-data ou "
                "application/json",
                code="unsupported_content_type",
            )
        raw = await _read_limited(request, MAX_JSON_BYTES)
        try:
            data = model.model_validate_json(raw if raw.strip() else b"{}")
        except ValidationError as exc:
            raise validation_error(exc) from None
        yield ItemBody(data=data, upload=None)

    return read
