"""graphql-core's messages reach clients in Portuguese, names kept."""

from __future__ import annotations

import pytest
from graphql import build_schema, parse, validate
from graphql.error import GraphQLSyntaxError

from expotv.graphql.messages import in_portuguese

SCHEMA = build_schema(
    "type TV { nome: String, codigo: String }"
    " type Query { tv(id: Int!): TV, tvs: [TV] }"
)


def _validation_messages(document: str) -> list[str]:
    return [error.message for error in validate(SCHEMA, parse(document))]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            "{ tvs { nomee } }",
            "O campo 'nomee' não existe no tipo 'TV'. Você quis dizer 'nome'?",
        ),
        (
            "{ tvs }",
            "O campo 'tvs' (tipo '[TV]') precisa de uma seleção de subcampos."
            " Você quis dizer 'tvs { ... }'?",
        ),
        (
            "{ tvs { nome { x } } }",
            "O campo 'nome' não aceita subcampos: o tipo 'String' não os tem.",
        ),
        ("{ tv { nome } }", "O argumento 'Query.tv(id:)' (tipo 'Int!') é obrigatório."),
        (
            "{ tv(id: 1, ix: 2) { nome } }",
            "O argumento 'ix' não existe em 'Query.tv'. Você quis dizer 'id'?",
        ),
        ("query ($x: Int) { tvs { nome } }", "A variável '$x' não é usada."),
        ("{ tv(id: $y) { nome } }", "A variável '$y' não foi declarada."),
    ],
)
def test_validation_messages_are_portuguese(document: str, expected: str) -> None:
    assert [in_portuguese(m) for m in _validation_messages(document)] == [expected]


def test_syntax_errors_keep_where_they_are() -> None:
    with pytest.raises(GraphQLSyntaxError) as caught:
        parse("{ tvs { nome ")
    assert in_portuguese(caught.value.message).startswith("Erro de sintaxe: ")


def test_several_suggestions_read_as_portuguese() -> None:
    message = "Cannot query field 'cod' on type 'TV'. Did you mean 'codigo' or 'nome'?"
    assert in_portuguese(message) == (
        "O campo 'cod' não existe no tipo 'TV'. Você quis dizer 'codigo' ou 'nome'?"
    )


def test_an_unknown_message_keeps_its_text_after_a_portuguese_lead() -> None:
    assert in_portuguese("Something new.") == (
        "Consulta GraphQL inválida: Something new."
    )
