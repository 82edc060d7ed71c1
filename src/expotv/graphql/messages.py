"""graphql-core's own messages (syntax, validation, variables) in Portuguese.

graphql-core writes them in English and has no message catalogue, so the common
ones are matched here by pattern; the names they quote (fields, types, variables)
are the schema's and stay as they are. A message no pattern knows keeps its
English text after a Portuguese lead-in, so nothing the client needs is lost.
"""

from __future__ import annotations

import re

_NAME = r"'(?P<{}>[^']*)'"


def _pattern(english: str) -> re.Pattern[str]:
    """``english`` with ``{name}`` holes for quoted names and ``{*name}`` for
    free text, matched whole."""
    parts = re.split(r"(\{\*?\w+\})", english)
    regex = ""
    for part in parts:
        if part.startswith("{*"):
            regex += f"(?P<{part[2:-1]}>.*)"
        elif part.startswith("{"):
            regex += _NAME.format(part[1:-1])
        else:
            regex += re.escape(part)
    return re.compile(regex + r"$", re.DOTALL)


_TRANSLATIONS: list[tuple[re.Pattern[str], str]] = [
    (_pattern(english), portuguese)
    for english, portuguese in [
        (
            "Cannot query field {field} on type {type}.",
            "O campo '{field}' não existe no tipo '{type}'.",
        ),
        (
            "Field {field} of type {type} must have a selection of subfields.",
            "O campo '{field}' (tipo '{type}') precisa de uma seleção de subcampos.",
        ),
        (
            "Field {field} must not have a selection since type {type} has no "
            "subfields.",
            "O campo '{field}' não aceita subcampos: o tipo '{type}' não os tem.",
        ),
        (
            "Unknown argument {arg} on field {field}.",
            "O argumento '{arg}' não existe em '{field}'.",
        ),
        (
            "Argument {arg} of type {type} is required, but it was not provided.",
            "O argumento '{arg}' (tipo '{type}') é obrigatório.",
        ),
        (
            "Variable {var} of required type {type} was not provided.",
            "A variável '{var}' (tipo '{type}') é obrigatória e não foi enviada.",
        ),
        (
            "Variable {var} of non-null type {type} must not be null.",
            "A variável '{var}' (tipo '{type}') não pode ser null.",
        ),
        (
            "Variable {var} got invalid value {*value}; {*reason}",
            "A variável '{var}' recebeu um valor inválido ({value}): {reason}",
        ),
        ("Variable {var} is not defined.", "A variável '{var}' não foi declarada."),
        ("Variable {var} is never used.", "A variável '{var}' não é usada."),
        ("Unknown type {type}.", "O tipo '{type}' não existe."),
        ("Unknown fragment {name}.", "O fragmento '{name}' não existe."),
        ("Fragment {name} is never used.", "O fragmento '{name}' não é usado."),
        ("Unknown operation named {name}.", "Não há operação chamada '{name}'."),
        (
            "Must provide operation name if query contains multiple operations.",
            "A consulta tem várias operações: informe operationName.",
        ),
        (
            "Expected value of type {type}, found {*value}.",
            "Esperava um valor do tipo '{type}', recebeu {value}.",
        ),
        ("Syntax Error: {*detail}", "Erro de sintaxe: {detail}"),
    ]
]

_SUGGESTION = re.compile(r"(?P<message>.*?) Did you mean (?P<names>.*)\?$", re.DOTALL)


def in_portuguese(message: str) -> str:
    """``message`` (graphql-core's) as the client reads it."""
    suggestion = ""
    found = _SUGGESTION.match(message)
    if found:
        message = found["message"]
        names = found["names"].replace(" or ", " ou ")
        suggestion = f" Você quis dizer {names}?"
    for pattern, portuguese in _TRANSLATIONS:
        match = pattern.match(message)
        if match:
            return portuguese.format(**match.groupdict()) + suggestion
    return f"Consulta GraphQL inválida: {message}{suggestion}"
