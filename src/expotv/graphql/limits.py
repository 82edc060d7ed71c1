"""What a query may ask for, measured on the document before anything runs.

    depth     fields nested in fields (``tvs { items { condominio { nome } } }`` is 4)
    cost      every field counts once per row that may hold it: a page multiplies
              its subtree by its ``limit`` (the argument, a variable or the default
              50), a list inside an object by its nominal size (``NESTED_SIZES``)
    aliases   aliased fields in the whole operation (fragments expanded)
    mutation  one root field per mutation: a request is one unit of work, committed
              whole or rolled back whole, so two writes in one request can not end
              half-done

Introspection (``__schema``/``__type`` and below) is not measured: it is off
outside development and bounded by the schema. Fragments are expanded where they
are spread (validation has already refused cycles).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from expotv.config import SettingsView, setting
from expotv.graphql.errors import Refused

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Lists inside an object, at the size they are counted at: a condomínio's TVs, an
# item's targets, a playlist's items.
NESTED_SIZES = {
    ("Condominio", "tvs"): 50,
    ("Anuncio", "condominios"): 10,
    ("Aviso", "condominios"): 10,
    ("Playlist", "itens"): 50,
    ("Playlist", "fora"): 50,
}
DEFAULT_NESTED_SIZE = 50


@dataclass
class Measure:
    depth: int = 0
    cost: int = 0
    aliases: int = 0


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.measure = Measure()

    def walk(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType,
        *,
        depth: int,
        multiplier: int,
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self._field(selection, parent, depth=depth, multiplier=multiplier)
                continue
            fragment = self._fragment(selection, parent)
            if fragment is not None:
                inner, target = fragment
                self.walk(inner, target, depth=depth, multiplier=multiplier)

    def _fragment(
        self, selection: SelectionNode, parent: GraphQLNamedType
    ) -> tuple[SelectionSetNode, GraphQLNamedType] | None:
        """An inline fragment's or a named fragment's selections and the type they
        apply to; None for an unknown fragment or type."""
        target: GraphQLNamedType | None
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            target = self.schema.get_type(condition.name.value) if condition else parent
            inner = selection.selection_set
        elif isinstance(selection, FragmentSpreadNode):
            fragment = self.fragments.get(selection.name.value)
            if fragment is None:
                return None
            target = self.schema.get_type(fragment.type_condition.name.value)
            inner = fragment.selection_set
        else:
            return None
        return None if target is None else (inner, target)

    def _field(
        self, node: FieldNode, parent: GraphQLNamedType, *, depth: int, multiplier: int
    ) -> None:
        name = node.name.value
        if name.startswith("__"):
            # Introspection and __typename: not measured (see the module).
            return
        if node.alias is not None:
            self.measure.aliases += 1
        depth += 1
        self.measure.depth = max(self.measure.depth, depth)
        self.measure.cost += multiplier
        if node.selection_set is None or not isinstance(parent, GraphQLObjectType):
            return
        definition = parent.fields.get(name)
        if definition is None:
            return
        size = self._size(node, parent, definition)
        self.walk(
            node.selection_set,
            get_named_type(definition.type),
            depth=depth,
            multiplier=multiplier * size,
        )

    def _size(
        self, node: FieldNode, parent: GraphQLObjectType, definition: GraphQLField
    ) -> int:
        if "limit" in definition.args:
            return self._limit(node)
        if parent.name.endswith("Page"):
            # A page's ``items``: its field's ``limit`` already counted them.
            return 1
        field_type = definition.type
        if isinstance(field_type, GraphQLNonNull):
            field_type = field_type.of_type
        if isinstance(field_type, GraphQLList):
            return NESTED_SIZES.get((parent.name, node.name.value), DEFAULT_NESTED_SIZE)
        return 1

    def _limit(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value != "limit":
                continue
            value: Any = None
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
            if isinstance(value, int) and not isinstance(value, bool):
                # An out-of-range limit is refused by the resolver (422).
                return max(1, min(MAX_PAGE_SIZE, value))
            return DEFAULT_PAGE_SIZE
        return DEFAULT_PAGE_SIZE


def measure(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> Measure:
    root = schema.get_root_type(operation.operation)
    walker = _Walker(schema, fragments, variables)
    if root is not None:
        walker.walk(operation.selection_set, root, depth=0, multiplier=1)
    return walker.measure


def _root_fields(operation: OperationDefinitionNode) -> int:
    return sum(
        1
        for selection in operation.selection_set.selections
        if not (
            isinstance(selection, FieldNode) and selection.name.value == "__typename"
        )
    )


@dataclass(frozen=True, slots=True)
class Limits(SettingsView):
    """The most an operation may ask for (``EXPOTV_GRAPHQL_MAX_*``)."""

    depth: int = setting("graphql_max_depth")
    cost: int = setting("graphql_max_cost")
    aliases: int = setting("graphql_max_aliases")


def check(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    limits: Limits,
) -> None:
    """Raise ``Refused`` (400) when the operation asks for more than ``limits``."""
    if operation.operation is OperationType.MUTATION and _root_fields(operation) != 1:
        raise Refused(
            "envie uma mutação por requisição (cada uma é salva por inteiro ou "
            "desfeita por inteiro)",
            code="graphql_one_mutation",
            status=400,
        )
    found = measure(schema, operation, fragments, variables)
    if found.depth > limits.depth:
        raise Refused(
            f"consulta profunda demais: {found.depth} níveis (máximo {limits.depth})",
            code="graphql_too_deep",
            status=400,
        )
    if found.aliases > limits.aliases:
        raise Refused(
            f"apelidos (aliases) demais: {found.aliases} (máximo {limits.aliases})",
            code="graphql_too_many_aliases",
            status=400,
        )
    if found.cost > limits.cost:
        raise Refused(
            f"consulta cara demais: custo estimado {found.cost} (máximo "
            f"{limits.cost}); peça páginas menores (limit) ou menos campos "
            "aninhados",
            code="graphql_too_costly",
            status=400,
        )
