"""GraphQL errors with the REST contract's codes: ``extensions.code`` is the code
REST answers with, ``extensions.status`` the HTTP status it would be.

    ExpoError (a service refused)     its code and status; ``field`` for 422s
    pydantic ValidationError          422 ``validation_error``, ``detail`` = the
                                      REST 422 list (``msg`` in pt-BR)
    refused before running            ``Refused``: limits, CSRF, authentication
    GraphQL's own (syntax, unknown    400 ``graphql_invalid`` (graphql-core's
    field, variable of a wrong type)  message in Portuguese: ``messages``)
    anything else in a resolver       500 ``internal_error``, masked and logged
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from pydantic import ValidationError

from expotv.errors import ExpoError, Invalid
from expotv.graphql.messages import in_portuguese
from expotv.validation import body_errors, translate_errors

log = logging.getLogger(__name__)

INTERNAL_MESSAGE = "erro interno"


class Refused(Exception):
    """A request refused before anything runs (no SQL statement)."""

    def __init__(self, message: str, *, code: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    def as_graphql(self) -> GraphQLError:
        return GraphQLError(
            self.message, extensions={"code": self.code, "status": self.status}
        )


def unauthenticated(message: str = "autenticação necessária") -> Refused:
    return Refused(message, code="unauthenticated", status=401)


def rest_422_detail(exc: ValidationError) -> list[dict[str, Any]]:
    """The list REST's 422 holds for the same body."""
    return translate_errors(body_errors(exc))


def _rebuilt(
    error: GraphQLError, message: str, extensions: dict[str, Any]
) -> GraphQLError:
    """``error`` where it was (nodes, source, positions, path), told anew."""
    located = (error.nodes, error.source, error.positions, error.path)
    return GraphQLError(message, *located, extensions=extensions)


def _extensions_of(exc: ExpoError) -> dict[str, Any]:
    extensions: dict[str, Any] = {"code": exc.code, "status": exc.status_code}
    if isinstance(exc, Invalid) and exc.field:
        extensions["field"] = exc.field
    return extensions


def contract_error(error: GraphQLError) -> GraphQLError:
    """``error`` as the client sees it (see the module docstring)."""
    original = error.original_error
    if error.extensions and "code" in error.extensions:
        return error
    if isinstance(original, ExpoError):
        return _rebuilt(error, original.detail, _extensions_of(original))
    if isinstance(original, ValidationError):
        return _rebuilt(
            error,
            "dados inválidos",
            {
                "code": "validation_error",
                "status": 422,
                "detail": rest_422_detail(original),
            },
        )
    if isinstance(original, Refused):
        return _rebuilt(
            error, original.message, {"code": original.code, "status": original.status}
        )
    if error.path is None or original is None or isinstance(original, GraphQLError):
        # Before execution (syntax, validation, variables) or graphql-core's own.
        return _rebuilt(
            error,
            in_portuguese(error.message),
            {"code": "graphql_invalid", "status": 400},
        )
    log.error(
        "erro inesperado no GraphQL em %s",
        error.path,
        exc_info=(type(original), original, original.__traceback__),
    )
    return _rebuilt(error, INTERNAL_MESSAGE, {"code": "internal_error", "status": 500})
