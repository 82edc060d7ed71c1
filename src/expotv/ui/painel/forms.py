"""Form input in, messages per field out.

Forms name their inputs with the API's field names (``nome``, ``condominio_id``,
``proporcao_anuncios``...), so the API's schemas validate them unchanged and every
error, from Pydantic or from a service, lands next to the input it names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from expotv.context import context_of
from expotv.db import rollback
from expotv.errors import ExpoError, Invalid, RateLimited
from expotv.schemas import MAX_ID
from expotv.ui.painel.render import parse_local

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

GENERAL = ""  # errors that belong to no single field

# Refusals that are not 422s but still concern one input of the form.
FIELD_OF_CODE = {
    "wrong_password": "senha_atual",
    "email_taken": "email",
    "news_feed_exists": "url",
    "media_too_large": "arquivo",
    "upload_too_large": "arquivo",
    "media_type_not_accepted": "arquivo",
}


class FormErrors(dict[str, str]):
    """Field name -> one message (``GENERAL`` for the form as a whole), and the
    HTTP status the page answers with (the API's for the same refusal)."""

    status_code: int = 422
    # Seconds before trying again, for a 429 page's Retry-After.
    retry_after: int | None = None

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, message)

    @property
    def general(self) -> str:
        return self.get(GENERAL, "")


def _first_str(values: Iterable[Any]) -> str | None:
    for value in reversed(list(values)):
        if isinstance(value, str):
            return value
    return None


def translate(error: Mapping[str, Any]) -> str:
    """One Pydantic error in Brazilian Portuguese, for people filling a form."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    message = str(error.get("msg", ""))
    if kind == "missing" or (kind.endswith("_type") and error.get("input") is None):
        # A blank input reaches the schema as null.
        return "preencha este campo"
    if kind == "string_too_short":
        if ctx.get("min_length", 1) <= 1:
            return "preencha este campo"
        return f"use ao menos {ctx['min_length']} caracteres"
    if kind == "string_too_long":
        return f"use no máximo {ctx.get('max_length')} caracteres"
    if kind == "string_pattern_mismatch":
        return "preencha este campo"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "informe um número inteiro"
    if kind == "greater_than_equal":
        return f"informe um valor a partir de {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"informe um valor até {ctx.get('le')}"
    if kind == "greater_than":
        return f"informe um valor maior que {ctx.get('gt')}"
    if kind == "less_than":
        return f"informe um valor menor que {ctx.get('lt')}"
    if kind in ("list_too_short", "too_short"):
        return "escolha ao menos uma opção"
    if kind == "too_long":
        return f"escolha no máximo {ctx.get('max_length')}"
    if kind in ("literal_error", "enum"):
        return "escolha uma das opções"
    if kind.startswith(("datetime", "date")):
        return "data e hora inválidas: use dd/mm/aaaa HH:MM"
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    if kind in ("bool_parsing", "bool_type"):
        return "valor inválido"
    return "valor inválido"


def _field_of(loc: Sequence[Any]) -> str:
    names = [str(part) for part in loc if isinstance(part, str) and part != "body"]
    return names[0] if names else GENERAL


def errors_of(exc: Exception) -> FormErrors:
    """Messages per field from a validation error or a service's ``ExpoError``."""
    errors = FormErrors()
    if isinstance(exc, ValidationError | RequestValidationError):
        for error in exc.errors():
            errors.add(_field_of(error.get("loc", ())), translate(error))
    elif isinstance(exc, Invalid):
        errors.add(exc.field.split(".")[0] if exc.field else GENERAL, exc.detail)
    elif isinstance(exc, ExpoError):
        errors.add(FIELD_OF_CODE.get(exc.code, GENERAL), exc.detail)
        errors.status_code = exc.status_code
        if isinstance(exc, RateLimited):
            errors.retry_after = exc.retry_after
    return errors


def translated_errors(exc: RequestValidationError | ValidationError) -> list[Any]:
    """FastAPI's 422 list with each ``msg`` in Portuguese (for the pages' scripts)."""
    result = []
    for error in exc.errors():
        loc = list(error.get("loc", ()))
        if not loc or loc[0] != "body":
            loc = ["body", *loc]
        result.append({"loc": loc, "msg": translate(error), "type": error.get("type")})
    return result


async def read_form(request: Request) -> FormData:
    return await request.form()


def form_dict(form: FormData, *, lists: Iterable[str] = ()) -> dict[str, Any]:
    """Text inputs as a dict; ``lists`` keep every value; blanks are left out."""
    list_names = set(lists)
    values: dict[str, Any] = {}
    for key in dict.fromkeys(form.keys()):
        texts = [v for v in form.getlist(key) if isinstance(v, str)]
        if key in list_names:
            values[key] = [t.strip() for t in texts if t.strip()]
        else:
            text = _first_str(texts)
            if text is not None and text.strip():
                values[key] = text.strip()
    return values


def id_list(text: str) -> set[int]:
    """Ids written as ``1,2,3`` (a page script's ``?ids=``); the rest is ignored."""
    wanted = {int(part) for part in text.split(",") if part.strip().isdigit()}
    return {i for i in wanted if 0 < i <= MAX_ID}


def validate(model: type[M], values: Mapping[str, Any]) -> M:
    return model.model_validate(dict(values))


async def attempt(
    request: Request,
    session: AsyncSession,
    action: Callable[[], Awaitable[T]],
    *,
    keep: Iterable[object] = (),
) -> tuple[T | None, FormErrors]:
    """Run a write; on a refusal undo what it flushed and say why, per field.

    The request's unit of work commits when the route returns, even after a
    refusal shown in the form: the rollback here keeps that commit empty (and
    drops effects queued for it, such as deleting replaced media). A rollback
    expires every loaded object; those in ``keep`` are loaded again for the page
    that shows the errors.
    """
    try:
        return await action(), FormErrors()
    except (ExpoError, ValidationError, RequestValidationError) as exc:
        # The context's hooks forget what the action recorded for the commit
        # (playlist changes, conversions to queue).
        await rollback(session, context_of(request.app).sessionmaker.hooks)
        for obj in keep:
            await session.refresh(obj)
        return None, errors_of(exc)


async def submit(
    request: Request,
    session: AsyncSession,
    action: Callable[[], Awaitable[T]],
    *,
    keep: Iterable[object],
    then: Callable[[T], str],
    again: Callable[[FormErrors], Awaitable[Response]],
) -> Response:
    """A form's write: on success go to ``then(result)`` (303), on a refusal show
    the form ``again`` with the errors (see ``attempt``)."""
    result, errors = await attempt(request, session, action, keep=keep)
    if result is None:
        return await again(errors)
    return RedirectResponse(then(result), status_code=303)


def integers(values: dict[str, Any], *names: str) -> dict[str, Any]:
    """Whole numbers typed in a form as ints (schemas with strict ints want them).

    Anything else is left as typed, for the schema to refuse with its message.
    """
    result = dict(values)
    for name in names:
        value = result.get(name)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            result[name] = int(value)
    return result


def local_datetimes(
    values: dict[str, Any], zone: ZoneInfo, *names: str
) -> dict[str, Any]:
    """Dates typed in the page's zone as aware datetimes (the API reads naive ones
    as UTC). What does not parse is left as typed, for the schema to refuse."""
    result = dict(values)
    for name in names:
        value = result.get(name)
        if isinstance(value, str) and value.strip():
            try:
                result[name] = parse_local(value, zone)
            except ValueError:
                result[name] = value
    return result


def cleared(
    values: dict[str, Any], sent: Iterable[str], *names: str, empty: Any = None
) -> dict[str, Any]:
    """Inputs sent blank become ``empty`` (an edit form clears what was erased)."""
    result = dict(values)
    present = set(sent)
    for name in names:
        if name in present and name not in result:
            result[name] = empty
    return result
