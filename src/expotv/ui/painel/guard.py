"""How dashboard routes fail: the sign-in form, an HTML error page, or JSON.

Pages are HTML; the small JSON endpoints the pages' scripts call (paths ending in
``.json``, or requests that ``Accept: application/json``) answer like the API, so
a script shows the API's own ``detail`` next to the field it names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from expotv import errors
from expotv.errors import ExpoError, Forbidden, NotFound
from expotv.ui.painel import render
from expotv.ui.painel.forms import FIELD_OF_CODE, translated_errors
from expotv.ui.painel.session import (
    HOME_PATH,
    LOGIN_PATH,
    CsrfRejected,
    LoginRequired,
    check_csrf,
)

_TITLES = {
    403: "Acesso não permitido",
    404: "Página não encontrada",
}
_MESSAGES = {
    403: "Seu nível de acesso não permite abrir esta página.",
    404: "Esta página não existe ou você não tem acesso a ela.",
}


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.endswith(".json") or accept.startswith("application/json")


def safe_next(target: str | None) -> str:
    """Only a dashboard path of this site (never ``//evil`` or a full URL)."""
    if (
        target
        and target.startswith(HOME_PATH)
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return HOME_PATH


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    next_path = safe_next(target) if request.method == "GET" else HOME_PATH
    location = LOGIN_PATH
    if next_path != HOME_PATH:
        location += "?next=" + quote(next_path, safe="/")
    return RedirectResponse(location, status_code=303)


def error_page(
    request: Request,
    status_code: int,
    *,
    title: str | None = None,
    message: str | None = None,
) -> Response:
    visitor = getattr(request.state, "visitor", None)
    context = {
        **render.base_context(request, visitor, ""),
        "code": status_code,
        "title": title or _TITLES.get(status_code, "Algo deu errado"),
        "message": message or _MESSAGES.get(status_code, "Tente de novo em instantes."),
    }
    return render.page(request, "erro.html", context, status_code=status_code)


def _csrf_rejected(request: Request) -> Response:
    detail = "formulário expirado ou inválido; recarregue a página e tente de novo"
    if wants_json(request):
        return errors.error_response(403, detail, "csrf_failed")
    return error_page(
        request,
        403,
        title="Formulário expirado",
        message="Este formulário expirou ou não veio do painel. "
        "Recarregue a página e tente de novo.",
    )


class PainelRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                if wants_json(request):
                    return errors.error_response(
                        401, "sua sessão terminou; entre de novo", "login_required"
                    )
                return login_redirect(request)
            except CsrfRejected:
                return _csrf_rejected(request)
            except (ExpoError, RequestValidationError, HTTPException) as exc:
                if wants_json(request):
                    return json_error(exc)
                return _page_for(request, exc)

        return guarded


def json_error(exc: Exception) -> Response:
    """The API's error answers, from the API's one renderer."""
    if isinstance(exc, ExpoError):
        # Which input the page's script shows it next to.
        field = FIELD_OF_CODE.get(exc.code)
        return errors.render(exc, extra={"campo": field} if field else None)
    if isinstance(exc, RequestValidationError):
        # Worded for people filling a form (the API's wording is for integrators).
        return errors.error_response(422, translated_errors(exc), "validation_error")
    assert isinstance(exc, HTTPException)
    return errors.render_http_exception(exc)


def _page_for(request: Request, exc: Exception) -> Response:
    if isinstance(exc, RequestValidationError):
        # A malformed id in the address is a page that does not exist.
        return error_page(request, 404)
    if isinstance(exc, NotFound):
        return error_page(request, 404)
    if isinstance(exc, Forbidden):
        return error_page(request, 403, message=_MESSAGES[403])
    if isinstance(exc, ExpoError):
        return error_page(request, exc.status_code, message=exc.detail)
    assert isinstance(exc, HTTPException)
    return error_page(request, exc.status_code)


async def close_form(request: Request) -> AsyncIterator[None]:
    """Close the posted form's spooled files once the answer is sent (whoever
    parsed it: the CSRF check or the route)."""
    yield
    await request.close()


def painel_router(**kwargs: Any) -> APIRouter:
    """A router of dashboard routes: CSRF-checked writes, HTML errors."""
    return APIRouter(
        route_class=PainelRoute,
        include_in_schema=False,
        dependencies=[Depends(close_form), Depends(check_csrf)],
        **kwargs,
    )
