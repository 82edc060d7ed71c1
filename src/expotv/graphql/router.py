"""``/graphql`` on the FastAPI app: Strawberry's router with the REST rules.

    GET  text/html        GraphiQL (only when on; its assets come from an installed
                          package, never a CDN)
    GET  ?query=          queries (Strawberry refuses mutations over GET)
    POST application/json one operation, or a batch of up to
                          EXPOTV_GRAPHQL_MAX_BATCH queries, run one after another
    POST multipart        the GraphQL multipart request spec (uploads)

Transport choices:
- No credentials, or a token that does not decode: HTTP 401 with
  ``WWW-Authenticate: Bearer`` and one error ``unauthenticated``, before parsing.
  A token whose session has ended is found after validation (it takes SQL): the
  same 401. Refused before running (limits, syntax, validation): HTTP 400.
  Otherwise 200, with errors per field (``extensions.code``/``status``).
- One unit of work per request: committed when no operation failed, rolled back
  otherwise (a mutation is one root field, see ``limits``).
- Strawberry's own transport refusals (bad JSON, a batch too big...) come back as
  ``{"detail", "code"}`` in pt-BR, like every REST error.
- ``/graphql`` is not in ``/openapi.json``: its contract is ``schema.graphql``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from cross_web import HTTPException as StrawberryHTTPException
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.types.execution import ExecutionResult as StrawberryResult

from expotv.config import Settings
from expotv.context import context_of
from expotv.db import commit, rollback
from expotv.graphql.context import GraphQLContext, read_credentials
from expotv.graphql.errors import Refused, contract_error
from expotv.graphql.schema import build_schema

PATH = "/graphql"
STATIC_DIR = Path(__file__).parent / "static"
GRAPHIQL_PACKAGE = "graphene_django_graphiql_static"

# Strawberry's transport refusals, in the contract's words.
_TRANSPORT_ERRORS: Mapping[str, tuple[str, str]] = {
    "Unable to parse request body as JSON": (
        "graphql_bad_json",
        "o corpo não é um JSON válido",
    ),
    "Unsupported content type": (
        "unsupported_content_type",
        "tipo de conteúdo não aceito: envie application/json ou multipart/form-data",
    ),
    "Batching is not enabled": ("graphql_batch_refused", "lotes não são aceitos"),
    "Too many operations": (
        "graphql_batch_too_large",
        "operações demais no lote",
    ),
    "No GraphQL query found in the request": (
        "graphql_query_missing",
        "nenhuma consulta GraphQL na requisição (campo query)",
    ),
    "File(s) missing in form data": (
        "graphql_file_missing",
        "arquivo(s) citados em map ausentes do formulário",
    ),
    "Unable to parse the multipart body": (
        "graphql_bad_multipart",
        "corpo multipart inválido",
    ),
}


def graphiql_assets() -> Path | None:
    """The installed GraphiQL files (React, GraphiQL), if the package is there."""
    spec = find_spec(GRAPHIQL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = (
        Path(next(iter(spec.submodule_search_locations))) / "static" / GRAPHIQL_PACKAGE
    )
    return folder if (folder / "graphiql.min.js").is_file() else None


def _transport_error(status: int, reason: str) -> Response:
    code, detail = _TRANSPORT_ERRORS.get(
        reason, ("graphql_bad_request", "requisição GraphQL inválida")
    )
    if status == 405:
        code, detail = "method_not_allowed", "use GET ou POST"
    elif status == 404:
        code, detail = "not_found", "não encontrado"
    elif reason.startswith("The GraphQL operation's"):
        code = "graphql_bad_request"
        detail = "query deve ser um texto; variables e extensions, objetos JSON"
    elif reason.endswith("are not allowed when using GET"):
        code, detail = "graphql_method_not_allowed", "mutações só por POST"
    elif reason.startswith(("Unknown operation named", "Can't get GraphQL operation")):
        code, detail = (
            "graphql_unknown_operation",
            "operação não encontrada no documento",
        )
    return JSONResponse({"detail": detail, "code": code}, status_code=status)


class ExpoGraphQLRouter(GraphQLRouter[GraphQLContext, None]):
    async def run(
        self, request: Any, context: Any = None, root_value: Any = None
    ) -> Any:
        try:
            return await super().run(request, context=context, root_value=root_value)
        except StrawberryHTTPException as exc:
            return _transport_error(exc.status_code, exc.reason)
        finally:
            if isinstance(request, Request):
                # Uploads are spooled to temporary files: closed with the form.
                await request.close()

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse((STATIC_DIR / "graphiql.html").read_text())

    async def execute_operation(
        self,
        request: Any,
        request_adapter: Any,
        request_data: Any,
        context: GraphQLContext,
        root_value: Any,
        sub_response: Response,
    ) -> Any:
        if context.refusal is not None:
            # No (valid) credentials: answered before the query is parsed.
            sub_response.status_code = context.refusal.status
            sub_response.headers["WWW-Authenticate"] = "Bearer"
            return StrawberryResult(data=None, errors=[context.refusal.as_graphql()])
        app = context.app
        context.is_batch = isinstance(request_data, list)
        async with app.sessionmaker() as session:
            context.use_session(session)
            try:
                if context.is_batch:
                    # One after another: the operations share the request's session.
                    results: Any = [
                        await self.execute_single(
                            request=request,
                            request_adapter=request_adapter,
                            sub_response=sub_response,
                            context=context,
                            root_value=root_value,
                            request_data=data,
                        )
                        for data in request_data
                    ]
                else:
                    results = await super().execute_operation(
                        request,
                        request_adapter,
                        request_data,
                        context,
                        root_value,
                        sub_response,
                    )
            except BaseException:
                await rollback(session, app.sessionmaker.hooks)
                raise
            failed = any(
                r.errors for r in (results if isinstance(results, list) else [results])
            )
            if failed:
                await rollback(session, app.sessionmaker.hooks)
            else:
                await commit(session, app.sessionmaker.hooks)
        if (
            context.status_code is None
            and not context.executed
            and not isinstance(results, list)
            and results.errors
        ):
            # Refused before running (syntax, validation): the request was bad.
            context.status_code = 400
        if context.status_code is not None and not context.is_batch:
            sub_response.status_code = context.status_code
            if context.status_code == 401:
                sub_response.headers["WWW-Authenticate"] = "Bearer"
        return results

    async def process_result(
        self, request: Request, result: StrawberryResult
    ) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = [contract_error(error) for error in result.errors]
        return await super().process_result(request, result)

    def encode_json(self, data: object) -> str:
        return json.dumps(data, ensure_ascii=False)


async def _context(request: Request) -> GraphQLContext:
    app_context = context_of(request.app)
    try:
        credentials = read_credentials(request, app_context.settings)
    except Refused as refusal:
        return GraphQLContext(app_context, None, refusal)
    return GraphQLContext(app_context, credentials)


def install(app: FastAPI, settings: Settings) -> None:
    """Mount ``/graphql`` (and GraphiQL's files when GraphiQL is on)."""
    assets = graphiql_assets() if settings.is_graphiql_on else None
    router = ExpoGraphQLRouter(
        build_schema(settings),
        context_getter=_context,
        graphql_ide="graphiql" if assets is not None else None,
        multipart_uploads_enabled=True,
        include_in_schema=False,
    )
    app.include_router(router, prefix=PATH, include_in_schema=False)
    if assets is not None:
        app.mount(
            f"{PATH}/static/vendor",
            StaticFiles(directory=assets),
            name="graphiql-vendor",
        )
        app.mount(
            f"{PATH}/static", StaticFiles(directory=STATIC_DIR), name="graphiql-static"
        )
