"""Operations endpoints: Prometheus metrics and the health probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from expotv.deps import AppContextDep
from expotv.observability import exposition

router = APIRouter(tags=["operações"])


@router.get("/metrics", response_class=Response)
async def metrics(context: AppContextDep) -> Response:
    """Métricas no formato texto do Prometheus."""
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
