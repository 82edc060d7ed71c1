"""Expected failures, rendered by one handler as ``{"detail": ..., "code": ...}``.

    ExpoError                 500 (never raised bare)
    ├── NotFound              404  missing, or the caller may not see it
    ├── Forbidden             403  the caller sees it, but its level may not do this
    │   └── QuotaExceeded     403  a plan limit (limite_*) is exhausted
    ├── Conflict              409  uniqueness or state conflict
    ├── Invalid               422  a field is wrong (``field`` names it)
    ├── PayloadTooLarge       413  upload over the size limit
    ├── UnsupportedMedia      415  upload kind not accepted
    ├── RateLimited           429  with ``Retry-After``
    └── Unavailable           503  a dependency is down (database, cache, storage)

``detail`` is Portuguese, for people; ``code`` is stable, for programs.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class ExpoError(Exception):
    status_code: ClassVar[int] = 500
    code: str = "internal_error"
    detail: str = "erro interno"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if detail is not None:
            self.detail = detail
        if code is not None:
            self.code = code
        self.headers = headers
        super().__init__(self.detail)


class NotFound(ExpoError):
    status_code = 404
    code = "not_found"
    detail = "não encontrado"


class Forbidden(ExpoError):
    status_code = 403
    code = "forbidden"
    detail = "seu nível de acesso não permite esta operação"


class QuotaExceeded(Forbidden):
    code = "quota_exceeded"


class Conflict(ExpoError):
    status_code = 409
    code = "conflict"
    detail = "conflito com o estado atual"


class Invalid(ExpoError):
    """A 422 in FastAPI's list shape, naming the field."""

    status_code = 422
    code = "invalid"
    detail = "valor inválido"

    def __init__(self, detail: str | None = None, *, field: str, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.field = field


class PayloadTooLarge(ExpoError):
    status_code = 413
    code = "payload_too_large"
    detail = "arquivo grande demais"


class UnsupportedMedia(ExpoError):
    status_code = 415
    code = "unsupported_media_type"
    detail = "tipo de arquivo não aceito"


class RateLimited(ExpoError):
    status_code = 429
    code = "rate_limited"
    detail = "muitas tentativas; tente novamente mais tarde"

    def __init__(self, detail: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = retry_after


class Unavailable(ExpoError):
    status_code = 503
    code = "unavailable"
    detail = "serviço temporariamente indisponível"


class ErrorOut(BaseModel):
    """The body of every error but 422: ``detail`` for people, ``code`` for programs."""

    detail: str
    code: str | None = None


def _described(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


# OpenAPI documentation of the contract's error answers, per kind of route.
AUTHENTICATED_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _described("sem token, ou token inválido ou expirado"),
    403: _described("o nível do usuário não permite a operação, ou limite atingido"),
    404: _described("não existe, ou o usuário não pode vê-lo"),
    409: _described("conflito (e-mail já usado, condomínio com TVs, ...)"),
}
PUBLIC_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: _described("não encontrado"),
    429: _described("muitas requisições; veja Retry-After"),
    503: _described("dependência indisponível; tente novamente"),
}


def error_body(exc: ExpoError) -> dict[str, Any]:
    if isinstance(exc, Invalid):
        loc = ["body", *exc.field.split(".")] if exc.field else ["body"]
        return {
            "detail": [{"loc": loc, "msg": exc.detail, "type": exc.code}],
            "code": exc.code,
        }
    return {"detail": exc.detail, "code": exc.code}


async def _handle_expo_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ExpoError)
    return JSONResponse(
        error_body(exc), status_code=exc.status_code, headers=exc.headers
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ExpoError, _handle_expo_error)
