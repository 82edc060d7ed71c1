"""``/auth``: sign-up, login, token rotation, logout and one's own account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from expotv.auth import service as auth_service
from expotv.auth.dependencies import CurrentSessionId, CurrentUser
from expotv.auth.schemas import (
    LoginRequest,
    MeUpdate,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
)
from expotv.db import utcnow
from expotv.deps import AppSettings, ClientAddress, DbSession, SignUpThrottle, Throttle
from expotv.edge.middleware import FORM, media_type_of
from expotv.errors import Responses, error_responses
from expotv.observability.refusals import refusals
from expotv.users import service as user_service
from expotv.users.schemas import UserRead

router = APIRouter(prefix="/auth", tags=["auth"])

# Form field -> JSON field, to name the form's own field in a 422.
_FORM_FIELDS = {"email": "username", "senha": "password"}

_UNAUTHORIZED = error_responses({401: "credenciais inválidas"})
_ME_RESPONSES = error_responses(
    {
        401: "credenciais inválidas",
        403: "senha_atual incorreta",
        429: "senhas erradas demais para esta conta (com as falhas de login); "
        "veja Retry-After",
    }
)
_LOGIN_RESPONSES: Responses = {
    **_UNAUTHORIZED,
    422: {"description": "corpo inválido (lista de erros por campo)"},
    **error_responses({429: "muitas tentativas malsucedidas; veja Retry-After"}),
}
_LOGIN_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            "JSON `{email, senha}`, ou o formulário OAuth2 "
            "(`username`/`password`) usado pelo botão Authorize do /docs"
        ),
        "content": {
            "application/json": {
                "schema": LoginRequest.model_json_schema(by_alias=True)
            },
            "application/x-www-form-urlencoded": {
                "schema": {
                    "title": "OAuth2PasswordForm",
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {
                        "username": {"type": "string", "description": "e-mail"},
                        "password": {"type": "string", "format": "password"},
                        "grant_type": {"type": "string", "enum": ["password"]},
                        "scope": {"type": "string"},
                    },
                }
            },
        },
    }
}


async def login_credentials(request: Request) -> LoginRequest:
    """The login body: JSON, or the OAuth2 password form on the same path.

    The request edge already refused other media types and bodies over the small
    cap, and checked the JSON, as this route's ``openapi_extra`` declares.
    """
    data: Any
    if media_type_of(request.scope) == FORM:
        form = await request.form()
        data = {
            field: form[name] for field, name in _FORM_FIELDS.items() if name in form
        }
        rename = _FORM_FIELDS
    else:
        data, rename = await request.body(), {}
    try:
        if isinstance(data, bytes):
            return LoginRequest.model_validate_json(data or b"null")
        return LoginRequest.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        for error in errors:
            error["loc"] = (
                "body",
                *(rename.get(str(part), part) for part in error["loc"]),
            )
        raise RequestValidationError(errors) from None


LoginCredentials = Annotated[LoginRequest, Depends(login_credentials)]


async def sign_in_attempt(
    credentials: LoginCredentials, address: ClientAddress
) -> auth_service.SignIn:
    """The login request as a sign-in attempt: what was sent, from where, when."""
    return auth_service.SignIn(credentials, address=address, now=utcnow())


SignInAttempt = Annotated[auth_service.SignIn, Depends(sign_in_attempt)]


@router.post(
    "/register",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        {
            403: "cadastro público desativado",
            409: "e-mail já cadastrado",
            429: "cadastros demais deste endereço; veja Retry-After",
        }
    ),
)
async def register(
    data: RegisterRequest,
    session: DbSession,
    settings: AppSettings,
    throttle: SignUpThrottle,
    address: ClientAddress,
) -> UserRead:
    """Cria uma conta de Visitante, sem condomínios."""
    with refusals("register"):
        user = await user_service.register(
            session, data, settings=settings, throttle=throttle, address=address
        )
    return UserRead.build(user, [])


@router.post(
    "/login",
    response_model=TokenPair,
    responses=_LOGIN_RESPONSES,
    openapi_extra=_LOGIN_BODY,
)
async def login(
    attempt: SignInAttempt,
    session: DbSession,
    settings: AppSettings,
    throttle: Throttle,
) -> TokenPair:
    """Entra com e-mail e senha e recebe o par de tokens."""
    with refusals("login"):
        user, auth_session = await auth_service.open_session(
            session, attempt, throttle=throttle, settings=settings
        )
    issued = await auth_service.issue_tokens(
        session, user, auth_session, settings=settings, now=attempt.now
    )
    return TokenPair.model_validate(issued, from_attributes=True)


@router.post("/refresh", response_model=TokenPair, responses=_UNAUTHORIZED)
async def refresh(
    data: RefreshRequest, session: DbSession, settings: AppSettings
) -> TokenPair:
    """Troca um refresh token por um par novo (cada refresh token vale uma vez)."""
    issued = await auth_service.refresh(
        session, refresh_token=data.refresh_token, settings=settings, now=utcnow()
    )
    return TokenPair.model_validate(issued, from_attributes=True)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=_UNAUTHORIZED)
async def logout(
    data: RefreshRequest, session: DbSession, settings: AppSettings
) -> None:
    """Encerra a sessão do refresh token; os access tokens dela param de valer."""
    await auth_service.logout(
        session, refresh_token=data.refresh_token, settings=settings, now=utcnow()
    )


@router.get("/me", response_model=UserRead, responses=_UNAUTHORIZED)
async def get_me(user: CurrentUser, session: DbSession) -> UserRead:
    """Mostra o usuário autenticado."""
    return await user_service.read(session, user)


@router.put("/me", response_model=UserRead, responses=_ME_RESPONSES)
async def update_me(
    changes: MeUpdate,
    user: CurrentUser,
    session_id: CurrentSessionId,
    session: DbSession,
    throttle: Throttle,
) -> UserRead:
    """Muda o próprio nome ou senha; uma senha nova encerra as outras sessões."""
    with refusals("account"):
        updated = await auth_service.update_own_account(
            session,
            user,
            changes,
            session_id=session_id,
            throttle=throttle,
            now=utcnow(),
        )
    return await user_service.read(session, updated)
