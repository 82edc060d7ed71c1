"""Expected failures, and the one renderer of every error body.

    ExpoError                 500 (never raised bare)
    ├── NotFound              404  missing, or the caller may not see it
    ├── Forbidden             403  the caller sees it, but its level may not do this
    │   └── QuotaExceeded     403  a plan limit (limite_*) is exhausted
    ├── Conflict              409  uniqueness or state conflict
    ├── Invalid               422  a field is wrong (``loc`` names it)
    ├── PayloadTooLarge       413  body or upload over its size limit
    ├── UnsupportedMedia      415  body or upload kind not accepted
    ├── RateLimited           429  with ``Retry-After``
    └── Unavailable           503  a dependency is down (database, cache, storage)

A domain declares an error in one line (two when the text is long), keyword
arguments setting the class's ``code``, ``detail`` (a ``str.format`` template filled
by the constructor's keyword arguments) and, for ``Invalid``, ``field``::

    class TVNotFound(NotFound, code="tv_not_found", detail="TV não encontrada"): ...

    class AdQuotaExceeded(QuotaExceeded, code="ad_quota_exceeded"):
        detail = "limite de anúncios atingido ({limit})"  # raise ...(limit=10)

Every error body, whoever raises it, is ``{"detail": ..., "code": ...}`` written by
``error_response``: ``ExpoError``s, Starlette's ``HTTPException`` (unknown routes,
wrong methods, 401s), FastAPI's validation errors (the list form, each ``msg`` in
pt-BR: ``expotv.validation``), the request edge's refusals and the last-resort 500.
``detail`` is Portuguese, for people; ``code`` is stable, for programs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from expotv.validation import translate_errors

if TYPE_CHECKING:
    # FastAPI itself is imported where the handlers are installed: a child process
    # reading an upload's video (``media.sandbox``) raises these errors without
    # loading the web framework.
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError

Loc = tuple[str | int, ...]

T = TypeVar("T")


class ExpoError(Exception):
    status_code: ClassVar[int] = 500
    code: str = "internal_error"
    detail: str = "erro interno"
    headers: dict[str, str] | None = None

    def __init_subclass__(
        cls,
        *,
        status_code: int | None = None,
        code: str | None = None,
        detail: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if status_code is not None:
            cls.status_code = status_code
        if code is not None:
            cls.code = code
        if detail is not None:
            cls.detail = detail

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        **params: object,
    ) -> None:
        # ``params`` fill the class's detail template and stay readable on the error.
        self.params = params
        self.detail = detail if detail is not None else self.detail.format(**params)
        if code is not None:
            self.code = code
        if headers is not None:
            self.headers = headers
        super().__init__(self.detail)


class NotFound(ExpoError, status_code=404, code="not_found", detail="não encontrado"):
    pass


def found(value: T | None, error: type[NotFound]) -> T:
    """``value``, or ``error`` (404) when there is none."""
    if value is None:
        raise error()
    return value


class Forbidden(ExpoError, status_code=403, code="forbidden"):
    detail = "seu nível de acesso não permite esta operação"


class QuotaExceeded(Forbidden, code="quota_exceeded"): ...


class Conflict(ExpoError, status_code=409, code="conflict"):
    detail = "conflito com o estado atual"


class Invalid(ExpoError, status_code=422, code="invalid", detail="valor inválido"):
    """A 422 in FastAPI's list shape, naming the field (``"a.b"``) or its ``loc``."""

    field: str = ""

    def __init_subclass__(cls, *, field: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if field is not None:
            cls.field = field

    def __init__(self, detail: str | None = None, **params: Any) -> None:
        # ``field="a.b"`` names the field, ``loc=[...]`` gives the whole location.
        super().__init__(detail, **params)
        self.field = params.get("field") or self.field
        loc = params.get("loc")
        if loc is None:
            loc = ["body", *self.field.split(".")] if self.field else ["body"]
        self.loc: Loc = tuple(loc)


class PayloadTooLarge(ExpoError, status_code=413, code="payload_too_large"):
    detail = "grande demais"


class UnsupportedMedia(ExpoError, status_code=415, code="unsupported_media_type"):
    detail = "tipo de arquivo não aceito"


class RateLimited(ExpoError, status_code=429, code="rate_limited"):
    detail = "muitas tentativas; tente novamente mais tarde"

    def __init__(self, detail: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = retry_after


class Unavailable(ExpoError, status_code=503, code="unavailable"):
    detail = "serviço temporariamente indisponível"


class ErrorOut(BaseModel):
    # The body of every error but 422: ``detail`` for people, ``code`` for programs.
    # (A comment: a docstring would be the schema's description in /openapi.json.)

    detail: str
    code: str | None = None


Responses = dict[int | str, dict[str, Any]]


def error_responses(descriptions: Mapping[int, str]) -> Responses:
    """OpenAPI ``responses`` for error statuses, each with the contract's body."""
    return {
        status: {"model": ErrorOut, "description": description}
        for status, description in descriptions.items()
    }


# OpenAPI documentation of the contract's error answers, per kind of route.
AUTHENTICATED_RESPONSES = error_responses(
    {
        401: "sem token, ou token inválido ou expirado",
        403: "o nível do usuário não permite a operação, ou limite atingido",
        404: "não existe, ou o usuário não pode vê-lo",
        409: "conflito (e-mail já usado, condomínio com TVs, ...)",
    }
)
PUBLIC_RESPONSES = error_responses(
    {
        404: "não encontrado",
        429: "muitas requisições; veja Retry-After",
        503: "dependência indisponível; tente novamente",
    }
)

# Starlette's own HTTPExceptions carry English reason phrases: these replace them.
_FRAMEWORK_MESSAGES = frozenset(
    {"There was an error parsing the body", "Not authenticated", "Content Too Large"}
)
_HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "requisição malformada"),
    401: ("unauthorized", "credenciais inválidas ou expiradas"),
    403: ("forbidden", "acesso negado"),
    404: ("not_found", "recurso não encontrado"),
    405: ("method_not_allowed", "método não permitido neste endereço"),
    413: ("payload_too_large", "corpo da requisição grande demais"),
    415: ("unsupported_media_type", "tipo de conteúdo não aceito"),
    416: ("range_not_satisfiable", "intervalo de bytes fora do arquivo"),
    429: ("rate_limited", "muitas requisições; tente novamente mais tarde"),
    503: ("unavailable", "serviço temporariamente indisponível"),
}


def error_body(
    detail: str | list[dict[str, Any]],
    code: str,
    extra: Mapping[str, Any] | None = None,
) -> bytes:
    payload = {"detail": detail, "code": code, **(extra or {})}
    try:
        return json.dumps(payload, ensure_ascii=False, default=str).encode()
    except UnicodeEncodeError:  # a lone surrogate echoed back from the input
        return json.dumps(payload, default=str).encode()


def error_response(
    status_code: int,
    detail: str | list[dict[str, Any]],
    code: str,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """The one place an error body is written (``extra``: fields a client adds)."""
    return Response(
        error_body(detail, code, extra),
        status_code=status_code,
        headers=headers,
        media_type="application/json",
    )


def render(exc: ExpoError, extra: Mapping[str, Any] | None = None) -> Response:
    detail: str | list[dict[str, Any]] = exc.detail
    if isinstance(exc, Invalid):
        detail = [{"loc": list(exc.loc), "msg": exc.detail, "type": exc.code}]
    return error_response(exc.status_code, detail, exc.code, exc.headers, extra)


def render_http_exception(exc: StarletteHTTPException) -> Response:
    code, default = _HTTP_ERRORS.get(exc.status_code, ("http_error", "erro"))
    detail = exc.detail if isinstance(exc.detail, str) else default
    if detail == _phrase(exc.status_code) or detail in _FRAMEWORK_MESSAGES:
        # The framework's English (an unknown route's "Not Found", ...).
        detail = default
    return error_response(exc.status_code, detail, code, exc.headers)


def _phrase(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return ""


async def _handle_expo_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ExpoError)
    return render(exc)


async def _handle_http_exception(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code < 400:
        return Response(status_code=exc.status_code, headers=exc.headers)
    return render_http_exception(exc)


def render_validation_error(exc: RequestValidationError) -> Response:
    return error_response(422, translate_errors(exc.errors()), "validation_error")


async def _handle_validation_error(_request: Request, exc: Exception) -> Response:
    from fastapi.exceptions import RequestValidationError

    assert isinstance(exc, RequestValidationError)
    return render_validation_error(exc)


def install_error_handlers(app: FastAPI) -> None:
    from fastapi.exceptions import RequestValidationError

    app.add_exception_handler(ExpoError, _handle_expo_error)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
