"""The dashboard router: sign-in, sign-out, início, own account, the sections."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError

from expotv.auth import service as auth_service
from expotv.auth.exceptions import InvalidCredentials
from expotv.auth.schemas import LoginRequest, MeUpdate
from expotv.db import utcnow
from expotv.deps import AppSettings, ClientAddress, DbSession, Throttle
from expotv.errors import Invalid, RateLimited
from expotv.observability.refusals import count_refusal, refusals
from expotv.ui.painel import (
    condominiums,
    forms,
    home,
    items,
    news,
    render,
    tvs,
    users,
)
from expotv.ui.painel.guard import error_page, painel_router, safe_next
from expotv.ui.painel.page import FormPage, Painel
from expotv.ui.painel.session import (
    HOME_PATH,
    LOGIN_PATH,
    CurrentVisitor,
    clear_session_cookie,
    find_visitor,
    login_csrf_token,
    remember_login_csrf,
    set_session_cookie,
)

router = painel_router()

NextPath = Annotated[str | None, Query(alias="next", max_length=2000)]


@router.get("/", response_class=RedirectResponse)
async def root() -> RedirectResponse:
    return RedirectResponse(HOME_PATH, status_code=303)


def _login_page(
    request: Request,
    *,
    next_path: str,
    email: str = "",
    errors: forms.FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    token = login_csrf_token(request)
    response = render.page(
        request,
        "login.html",
        {
            **render.base_context(request, None, "login"),
            "login_csrf": token,
            "next": next_path,
            "email": email,
            "errors": errors or forms.FormErrors(),
            "saiu": request.query_params.get("ok") == "saiu",
        },
        status_code=status_code,
    )
    remember_login_csrf(response, request, token)
    return response


@router.get(LOGIN_PATH)
async def login_form(
    request: Request, session: DbSession, next_path: NextPath = None
) -> Response:
    if await find_visitor(request, session, now=utcnow()) is not None:
        return RedirectResponse(safe_next(next_path), status_code=303)
    return _login_page(request, next_path=safe_next(next_path))


def _blocked_message(exc: RateLimited) -> str:
    minutes = max(1, -(-exc.retry_after // 60))
    unit = "minuto" if minutes == 1 else "minutos"
    return f"Muitas tentativas sem sucesso. Tente de novo em {minutes} {unit}."


@router.post(LOGIN_PATH)
async def login(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    throttle: Throttle,
    address: ClientAddress,
) -> Response:
    form = await forms.read_form(request)
    values = forms.form_dict(form)
    next_path = safe_next(values.get("next"))
    email = str(values.get("email", ""))[:320]
    now = utcnow()

    try:
        credentials = forms.validate(
            LoginRequest, {"email": email, "senha": form.get("senha") or ""}
        )
        _user, auth_session = await auth_service.open_session(
            session,
            auth_service.SignIn(credentials, address=address, now=now),
            throttle=throttle,
            settings=settings,
        )
    except RateLimited as exc:
        count_refusal("login", exc.code)
        errors = forms.FormErrors({forms.GENERAL: _blocked_message(exc)})
        page = _login_page(
            request, next_path=next_path, email=email, errors=errors, status_code=429
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except (ValidationError, InvalidCredentials) as exc:
        errors = forms.errors_of(exc)
        if isinstance(exc, InvalidCredentials):
            errors = forms.FormErrors({forms.GENERAL: "E-mail ou senha incorretos."})
        return _login_page(
            request, next_path=next_path, email=email, errors=errors, status_code=401
        )
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, request, settings, auth_session, now=now)
    return response


@router.post("/painel/sair")
async def logout(
    request: Request, visitor: CurrentVisitor, session: DbSession
) -> Response:
    await auth_service.end_session(
        session, session_id=visitor.session_id, user_id=visitor.user.id, now=utcnow()
    )
    response = RedirectResponse(f"{LOGIN_PATH}?ok=saiu", status_code=303)
    clear_session_cookie(response, request)
    return response


@router.get("/painel/sessao.json")
async def session_state(visitor: CurrentVisitor) -> JSONResponse:
    """Whether this browser's session is still alive (other tabs ask on focus)."""
    return JSONResponse(
        {"usuario": visitor.user.id}, headers={"Cache-Control": "no-store"}
    )


ACCOUNT_FORM = FormPage("conta.html", "conta")


@router.get("/painel/conta")
async def account(painel: Painel) -> Response:
    return await ACCOUNT_FORM(painel, {}, which="")


@router.post("/painel/conta")
async def update_account(painel: Painel, throttle: Throttle) -> Response:
    form = await painel.form()
    values = forms.form_dict(form)
    new_password = values.get("senha")

    async def save() -> object:
        with refusals("account"):
            if new_password and new_password != values.get("senha_confirmacao"):
                raise Invalid("as senhas não conferem", field="senha_confirmacao")
            changes = forms.validate(MeUpdate, values)
            return await auth_service.update_own_account(
                painel.session,
                painel.user,
                changes,
                session_id=painel.visitor.session_id,
                throttle=throttle,
                now=utcnow(),
            )

    saved, errors = await forms.attempt(
        painel.request, painel.session, save, keep=[painel.user]
    )
    if saved is None:
        which = "senha" if "senha" in form else "dados"
        page = await ACCOUNT_FORM(painel, values, errors, which=which)
        if errors.retry_after is not None:
            page.headers["Retry-After"] = str(errors.retry_after)
        return page
    ok = "senha" if new_password else "conta"
    return RedirectResponse(f"/painel/conta?ok={ok}", status_code=303)


router.include_router(home.router)
router.include_router(condominiums.router)
router.include_router(tvs.router)
for item_router in items.ROUTERS:
    router.include_router(item_router)
router.include_router(news.router)
router.include_router(users.router)


@router.get("/painel/{rest:path}")
async def not_found(request: Request, _visitor: CurrentVisitor) -> Response:
    return error_page(request, 404)


class RevalidatedFiles(StaticFiles):
    """The dashboard's files, asked again each time (a 304 when unchanged).

    Pages name them with a content hash, but the ES modules import each other by
    plain names: without revalidation a browser could mix yesterday's module with
    today's page.
    """

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        return response


def install(app: FastAPI) -> None:
    """Mount the dashboard's files and routes (files first: the catch-all is last)."""
    app.mount(
        render.STATIC_PREFIX,
        RevalidatedFiles(directory=render.STATIC_DIR),
        name="painel-static",
    )
    app.include_router(router)
