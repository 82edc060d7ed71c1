"""Operations endpoints: Prometheus metrics and the health probes."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from expotv.auth.exceptions import Unauthorized
from expotv.deps import AppContextDep
from expotv.errors import error_responses
from expotv.observability import exposition

router = APIRouter(tags=["operações"])


class MetricsTokenRequired(
    Unauthorized,
    code="metrics_token_required",
    detail="envie Authorization: Bearer <EXPOTV_METRICS_TOKEN>",
): ...


def check_metrics_token(request: Request, context: AppContextDep) -> None:
    """With ``EXPOTV_METRICS_TOKEN`` set, a scrape must bring it as a bearer token."""
    token = context.settings.metrics_token
    if token is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected
    ):
        raise MetricsTokenRequired()


@router.get(
    "/metrics",
    response_class=Response,
    responses=error_responses({401: "EXPOTV_METRICS_TOKEN não enviado"}),
)
async def metrics(request: Request, context: AppContextDep) -> Response:
    """Métricas no formato texto do Prometheus."""
    check_metrics_token(request, context)
    await context.health.refresh_if_stale()
    return Response(exposition.render(), media_type=exposition.CONTENT_TYPE)


@router.get("/health/live")
async def live() -> dict[str, str]:
    """O processo está de pé."""
    return {"status": "ok"}


@router.get(
    "/health/ready",
    responses={503: {"description": "uma dependência falhou (nomeada em `falhas`)"}},
)
async def ready(context: AppContextDep) -> Any:
    """Banco de dados, cache e armazenamento respondem."""
    result = await context.health.check()
    parts = {name: "ok" if ok else "falhou" for name, ok in result.parts.items()}
    if result.ok:
        return {"status": "ok", "componentes": parts}
    failures = result.failures
    return JSONResponse(
        {
            "status": "indisponível",
            "falhas": failures,
            "componentes": parts,
            "detail": f"indisponível: {', '.join(failures)}",
            "code": "unavailable",
        },
        status_code=503,
    )
