from __future__ import annotations

from expotv.errors import Conflict, Forbidden, NotFound


class EmailTaken(Conflict, code="email_taken"):
    detail = "já existe um usuário com este e-mail"


class UserNotFound(NotFound, code="user_not_found", detail="usuário não encontrado"):
    pass


class OwnAccountProtected(Conflict, code="own_account_protected"):
    """A Master may not lock itself out: the caller always stays an active Master."""

    detail = "você não pode desativar, excluir ou rebaixar a própria conta"


class RegistrationDisabled(Forbidden, code="registration_disabled"):
    detail = "o cadastro público está desativado; peça acesso a um administrador"
