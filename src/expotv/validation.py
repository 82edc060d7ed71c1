"""Pydantic's validation errors, in Brazilian Portuguese.

FastAPI's 422 keeps its list form (``type``, ``loc``, ``msg``, ``input``, ``ctx``);
only ``msg`` changes: a template per pydantic error ``type``, filled from the error's
``ctx``. Our own validators already speak Portuguese: pydantic's "Value error, "
prefix is dropped from their messages. Every type pydantic-core knows has an entry
(a unit test holds that), so an upgrade that adds one fails a test, not a reader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

# Names of fields whose value must never be echoed back in ``input``.
_SECRET_FIELD = re.compile(r"senha|password|token|secret", re.I)

MESSAGES: dict[str, str] = {
    "no_such_attribute": "atributo desconhecido: {attribute}",
    "json_invalid": "JSON inválido",
    "json_type": "esperava um texto JSON",
    "needs_python_object": "valor inválido",
    "recursion_loop": "referência cíclica",
    "recursion_depth_exceeded": "estrutura aninhada demais",
    "missing": "campo obrigatório",
    "frozen_field": "este campo não pode ser alterado",
    "frozen_instance": "este objeto não pode ser alterado",
    "extra_forbidden": "campo não permitido",
    "invalid_key": "as chaves devem ser textos",
    "get_attribute_error": "valor inválido",
    "model_type": "deve ser um objeto JSON",
    "model_attributes_type": "deve ser um objeto JSON",
    "dataclass_type": "deve ser um objeto JSON",
    "dataclass_exact_type": "deve ser um objeto JSON",
    "named_tuple_type": "deve ser uma lista",
    "default_factory_not_called": "valor inválido",
    "none_required": "deve ser nulo",
    "greater_than": "deve ser maior que {gt}",
    "greater_than_equal": "deve ser maior ou igual a {ge}",
    "less_than": "deve ser menor que {lt}",
    "less_than_equal": "deve ser menor ou igual a {le}",
    "multiple_of": "deve ser múltiplo de {multiple_of}",
    "finite_number": "deve ser um número finito",
    "too_short": "deve ter ao menos {min_length} {items}",
    "too_long": "deve ter no máximo {max_length} {items}",
    "iterable_type": "deve ser uma lista",
    "iteration_error": "lista inválida",
    "string_type": "deve ser um texto",
    "string_unicode": "deve ser um texto Unicode válido",
    "string_too_short": "deve ter ao menos {min_length} {characters}",
    "string_too_long": "deve ter no máximo {max_length} {characters}",
    "string_pattern_mismatch": "formato inválido",
    "string_not_ascii": "deve conter apenas caracteres ASCII",
    "enum": "deve ser {expected}",
    "dict_type": "deve ser um objeto JSON",
    "frozen_dict_type": "deve ser um objeto JSON",
    "ordered_dict_type": "deve ser um objeto JSON",
    "counter_type": "deve ser um objeto JSON",
    "mapping_type": "deve ser um objeto JSON",
    "list_type": "deve ser uma lista",
    "deque_type": "deve ser uma lista",
    "tuple_type": "deve ser uma lista",
    "set_type": "deve ser uma lista",
    "frozen_set_type": "deve ser uma lista",
    "set_item_not_hashable": "itens inválidos na lista",
    "bool_type": "deve ser verdadeiro ou falso",
    "bool_parsing": "deve ser verdadeiro ou falso",
    "int_type": "deve ser um número inteiro",
    "int_parsing": "deve ser um número inteiro",
    "int_parsing_size": "número grande demais",
    "int_from_float": "deve ser um número inteiro",
    "float_type": "deve ser um número",
    "float_parsing": "deve ser um número",
    "bytes_type": "deve ser um texto",
    "bytes_too_short": "deve ter ao menos {min_length} bytes",
    "bytes_too_long": "deve ter no máximo {max_length} bytes",
    "bytes_invalid_encoding": "codificação inválida",
    "value_error": "{error}",
    "assertion_error": "{error}",
    "literal_error": "deve ser {expected}",
    "missing_sentinel_error": "valor inválido",
    "ellipsis_error": "valor inválido",
    "date_type": "deve ser uma data (AAAA-MM-DD)",
    "date_parsing": "data inválida (use AAAA-MM-DD)",
    "date_from_datetime_parsing": "data inválida (use AAAA-MM-DD)",
    "date_from_datetime_inexact": "a data não pode ter horário",
    "date_past": "a data deve estar no passado",
    "date_future": "a data deve estar no futuro",
    "time_type": "deve ser um horário (HH:MM)",
    "time_parsing": "horário inválido (use HH:MM)",
    "datetime_type": "deve ser data e hora (ISO 8601)",
    "datetime_parsing": "data e hora inválidas (use ISO 8601)",
    "datetime_object_invalid": "data e hora inválidas",
    "datetime_from_date_parsing": "data e hora inválidas (use ISO 8601)",
    "datetime_past": "deve estar no passado",
    "datetime_future": "deve estar no futuro",
    "timezone_naive": "não pode ter fuso horário",
    "timezone_aware": "precisa de fuso horário",
    "timezone_offset": "fuso horário inválido",
    "time_delta_type": "deve ser uma duração",
    "time_delta_parsing": "duração inválida",
    "is_instance_of": "valor inválido",
    "is_subclass_of": "valor inválido",
    "callable_type": "valor inválido",
    "union_tag_invalid": "tipo {tag} desconhecido",
    "union_tag_not_found": "falta o campo {discriminator}",
    "arguments_type": "argumentos inválidos",
    "missing_argument": "campo obrigatório",
    "unexpected_keyword_argument": "campo não permitido",
    "missing_keyword_only_argument": "campo obrigatório",
    "unexpected_positional_argument": "valor não permitido",
    "missing_positional_only_argument": "campo obrigatório",
    "multiple_argument_values": "valor repetido",
    "url_type": "deve ser uma URL",
    "url_parsing": "URL inválida",
    "url_syntax_violation": "URL inválida",
    "url_too_long": "a URL deve ter no máximo {max_length} caracteres",
    "url_scheme": "a URL deve começar com {expected_schemes}",
    "uuid_type": "deve ser um UUID",
    "uuid_parsing": "UUID inválido",
    "uuid_version": "UUID de versão errada (esperada {expected_version})",
    "decimal_type": "deve ser um número",
    "decimal_parsing": "deve ser um número",
    "decimal_max_digits": "deve ter no máximo {max_digits} dígitos",
    "decimal_max_places": "deve ter no máximo {decimal_places} casas decimais",
    "decimal_whole_digits": "deve ter no máximo {whole_digits} dígitos inteiros",
    "fraction_type": "deve ser um número",
    "fraction_parsing": "deve ser um número",
    "complex_type": "deve ser um número",
    "complex_str_parsing": "deve ser um número",
}
FALLBACK = "valor inválido"
_PREFIXES = ("Value error, ", "Assertion failed, ")


def _plural(count: Any, one: str, many: str) -> str:
    return one if count == 1 else many


def _choices(expected: Any) -> str:
    """pydantic's ``"'a', 'b' or 'c'"`` -> ``"'a', 'b' ou 'c'"``."""
    text = str(expected)
    head, sep, last = text.rpartition(" or ")
    return f"{head} ou {last}" if sep else f"igual a {text}"


def _context(error_type: str, ctx: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(ctx)
    if "min_length" in values or "max_length" in values:
        count = values.get("min_length", values.get("max_length"))
        values["characters"] = _plural(count, "caractere", "caracteres")
        values["items"] = _plural(count, "item", "itens")
    if "expected" in values:
        values["expected"] = _choices(values["expected"])
    if "error" in values:
        values["error"] = message_of_error(values["error"])
    if "expected_schemes" in values:
        values["expected_schemes"] = _choices(values["expected_schemes"]).removeprefix(
            "igual a "
        )
    return values


def message_of_error(error: Any) -> str:
    """A custom validator's message (already pt-BR), without pydantic's prefix."""
    text = str(error)
    for prefix in _PREFIXES:
        text = text.removeprefix(prefix)
    return text


def translate(error_type: str, ctx: Mapping[str, Any] | None, msg: str) -> str:
    """The pt-BR ``msg`` of one error; types we do not know keep their own text."""
    template = MESSAGES.get(error_type)
    if template is None:
        # Errors raised by our own code (``body_invalid``, ...) are already pt-BR.
        return message_of_error(msg)
    try:
        return template.format(**_context(error_type, ctx or {}))
    except (KeyError, IndexError, ValueError):
        return FALLBACK if "{" in template else template


def _safe_input(loc: Sequence[Any], value: Any) -> Any:
    if any(isinstance(part, str) and _SECRET_FIELD.search(part) for part in loc):
        return "[removido]"
    return value


def translate_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """FastAPI's error list with pt-BR messages, ready to be sent as JSON."""
    translated: list[dict[str, Any]] = []
    for error in errors:
        entry = {key: value for key, value in error.items() if key != "url"}
        error_type = str(entry.get("type", ""))
        ctx = entry.get("ctx")
        entry["msg"] = translate(
            error_type, ctx if isinstance(ctx, Mapping) else None, entry.get("msg", "")
        )
        loc = list(entry.get("loc", ()))
        entry["loc"] = loc
        if error_type == "json_invalid":
            # Echoing a malformed body back helps nobody.
            entry.pop("input", None)
        elif "input" in entry:
            entry["input"] = _safe_input(loc, entry["input"])
        if isinstance(ctx, Mapping):
            # ``ctx.error`` can hold the exception itself: keep its text only.
            entry["ctx"] = {
                key: message_of_error(value) if key == "error" else value
                for key, value in ctx.items()
            }
        translated.append(entry)
    return translated


def body_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """A request body's validation errors as JSON-safe dicts located in the body
    (``loc`` from ``"body"``), as FastAPI reports its own."""
    try:
        dumped = exc.json(include_url=False)
    except ValueError:
        # The input itself can not be shown (bytes that are not UTF-8).
        dumped = exc.json(include_url=False, include_input=False)
    errors: list[dict[str, Any]] = json.loads(dumped)
    for error in errors:
        error["loc"] = ["body", *error["loc"]]
        if error["type"] == "json_invalid":
            # Echoing a malformed body back helps nobody.
            error.pop("input", None)
    return errors
