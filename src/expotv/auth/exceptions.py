"""Auth failures. 401s carry ``WWW-Authenticate: Bearer`` as the contract asks."""

from __future__ import annotations

from expotv.errors import ExpoError, Forbidden, RateLimited


class Unauthorized(ExpoError, status_code=401, code="unauthorized"):
    detail = "credenciais inválidas ou expiradas"
    headers = {"WWW-Authenticate": "Bearer"}


# One message for an unknown email, a wrong password and an inactive account,
# so the answer never tells which accounts exist.
class InvalidCredentials(Unauthorized, code="invalid_credentials"):
    detail = "e-mail ou senha incorretos"


class InvalidRefreshToken(Unauthorized, code="invalid_refresh_token"):
    detail = "sessão inválida ou expirada; entre novamente"


class RefreshTokenReused(Unauthorized, code="refresh_token_reused"):
    detail = (
        "este token de renovação já foi usado; por segurança a sessão foi encerrada"
    )


class LoginBlocked(RateLimited, code="login_blocked"):
    detail = "muitas tentativas de login malsucedidas; tente novamente mais tarde"


class WrongPassword(Forbidden, code="wrong_password", detail="senha atual incorreta"):
    pass


class PasswordChecksBlocked(RateLimited, code="password_checks_blocked"):
    detail = (
        "muitas tentativas com a senha errada nesta conta; tente novamente mais tarde"
    )


class RegistrationRateLimited(RateLimited, code="register_rate_limited"):
    detail = "muitos cadastros deste endereço; tente novamente mais tarde"
