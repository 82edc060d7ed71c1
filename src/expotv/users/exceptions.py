from __future__ import annotations

from expotv.errors import Conflict, Forbidden, NotFound


class UserNotFound(
    NotFound, code="user_not_found", detail="usuário não encontrado"
): ...


class EmailTaken(
    Conflict, code="email_taken", detail="já existe um usuário com este e-mail"
): ...


class CondominiumNotFound(
    NotFound, code="condominium_not_found", detail="condomínio não encontrado"
): ...


# A Master may not lock itself out: the caller always stays an active Master.
class OwnAccountProtected(
    Conflict,
    code="own_account_protected",
    detail="você não pode desativar, excluir ou rebaixar a própria conta",
): ...


class RegistrationDisabled(
    Forbidden,
    code="registration_disabled",
    detail="o cadastro público está desativado; peça acesso a um administrador",
): ...
