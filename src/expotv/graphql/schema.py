"""The schema and the checks around each operation.

    parse, validate      graphql-core; introspection refused (pt-BR) when off
    RequestGuard         after validation, before any resolver:
                           1. limits (depth, cost, aliases, one mutation)  400
                           2. a mutation in a batch                        400
                           3. CSRF, for a mutation sent with the cookie    403
                           4. the caller's live session (the SQL REST runs) 401
                         none of 1-3 touches the database
    the router          every error in the contract's shape (``errors``)

The SDL does not depend on settings: ``schema.graphql`` is ``build_schema()``'s.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import strawberry
from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    ValidationRule,
)
from strawberry.extensions import AddValidationRules, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from expotv.auth import sessions as auth_sessions
from expotv.config import Settings
from expotv.graphql import limits
from expotv.graphql.context import GraphQLContext
from expotv.graphql.errors import INTERNAL_MESSAGE, Refused, unauthenticated
from expotv.graphql.mutation import Mutation
from expotv.graphql.query import Query
from expotv.ui.painel.session import CsrfRejected, LoginRequired, check_csrf

log = logging.getLogger(__name__)

_INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


class NoIntrospection(ValidationRule):
    """``__schema`` and ``__type`` refused (``__typename`` stays)."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value in _INTROSPECTION_FIELDS:
            self.report_error(
                GraphQLError(
                    "a introspecção do esquema está desligada; o esquema está em "
                    "schema.graphql",
                    node,
                    extensions={
                        "code": "graphql_introspection_disabled",
                        "status": 400,
                    },
                )
            )


def _refuse(execution_context: ExecutionContext, refusal: Refused) -> None:
    context = execution_context.context
    if isinstance(context, GraphQLContext):
        context.status_code = refusal.status
    # A result set before execution makes Strawberry skip running the operation.
    execution_context.result = ExecutionResult(data=None, errors=[refusal.as_graphql()])


class RequestGuard(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        execution_context = self.execution_context
        context = execution_context.context
        assert isinstance(context, GraphQLContext)
        context.executed = True
        try:
            await self._admit(execution_context, context)
        except Refused as refusal:
            _refuse(execution_context, refusal)
        except Exception:
            # The session lookup failed (a database down): no details out.
            log.exception("verificação da requisição GraphQL falhou")
            _refuse(
                execution_context,
                Refused(INTERNAL_MESSAGE, code="internal_error", status=500),
            )
        yield

    async def _admit(
        self, execution_context: ExecutionContext, context: GraphQLContext
    ) -> None:
        document = execution_context.graphql_document
        assert document is not None
        operation = _operation(document.definitions, execution_context.operation_name)
        fragments = {
            d.name.value: d
            for d in document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        limits.check(
            self.execution_context.schema._schema,
            operation,
            fragments,
            execution_context.variables or {},
            limits.Limits.from_settings(context.settings),
        )
        is_mutation = operation.operation is OperationType.MUTATION
        if is_mutation and context.is_batch:
            raise Refused(
                "mutações não podem ir em lote: envie cada uma numa requisição",
                code="graphql_batched_mutation",
                status=400,
            )
        credentials = context.credentials
        if credentials is None:
            raise unauthenticated()
        if is_mutation and credentials.via_cookie:
            await _check_csrf(context)
        if context._user is None:
            async with context.database() as session:
                user = await auth_sessions.user_of_live_session(
                    session,
                    cache=context.app.cache,
                    ttl_seconds=context.settings.auth_cache_seconds,
                    user_id=credentials.user_id,
                    session_id=credentials.session_id,
                    now=context.now,
                )
            if user is None:
                raise unauthenticated("credenciais inválidas ou expiradas")
            context.user = user
            request = context.request
            if request is not None:
                request.state.user_id = user.id


async def _check_csrf(context: GraphQLContext) -> None:
    """The dashboard's own check: its CSRF token in ``X-CSRF-Token``."""
    request = context.request
    assert request is not None
    try:
        await check_csrf(request)  # type: ignore[arg-type]
    except LoginRequired:
        raise unauthenticated() from None
    except CsrfRejected:
        raise Refused(
            "token CSRF ausente ou inválido: envie o do painel em X-CSRF-Token",
            code="csrf_failed",
            status=403,
        ) from None


def _operation(definitions: Any, operation_name: str | None) -> OperationDefinitionNode:
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        if operation_name is None or (
            operation.name is not None and operation.name.value == operation_name
        ):
            return operation
    # Validation already chose the operation; this is the one it chose.
    return operations[0]


class ExpoSchema(strawberry.Schema):
    def process_errors(
        self,
        errors: list[GraphQLError],
        execution_context: ExecutionContext | None = None,
    ) -> None:
        # Expected refusals (404, 403, 422) are answers, not faults: the
        # unexpected ones are logged where they are masked (``errors``).
        return None


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    introspection = settings.is_graphql_introspection_on if settings else True
    extensions: list[Any] = [RequestGuard]
    if not introspection:
        extensions.append(lambda: AddValidationRules([NoIntrospection]))
    return ExpoSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(
            # No "did you mean" hints when the schema is not public on the server.
            disable_field_suggestions=not introspection,
            batching_config={
                "max_operations": settings.graphql_max_batch if settings else 10
            },
        ),
    )
