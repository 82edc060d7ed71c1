"""WebSocket test helpers: extra app instances, TVs, frames."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient, WebSocketTestSession

from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.main import create_app
from expotv.tvs.codes import generate_code
from expotv.tvs.models import TV
from tests import support

# Short keep-alive in tests: a receive then never waits long for a frame, so a
# missing nudge fails after a bounded number of pings instead of hanging.
PING_SECONDS = 0.1


def instance(settings: Settings, **overrides: Any) -> TestClient:
    """Another app on the same database (its own lifespan, loop and thread)."""
    values: dict[str, Any] = {"ws_ping_interval_seconds": PING_SECONDS}
    values.update(overrides)
    return TestClient(create_app(settings.model_copy(update=values)))


async def make_tv(factory: support.Factory) -> TV:
    condo = await factory.add(Condominium(name=f"Condomínio {support.run_id()}"))
    tv: TV = await factory.add(
        TV(code=generate_code(), name="TV da portaria", condominium_id=condo.id)
    )
    return tv


def next_event(ws: WebSocketTestSession, *, within_pings: int = 50) -> dict[str, Any]:
    """The next frame that is not a keep-alive ping."""
    for _ in range(within_pings):
        frame: dict[str, Any] = ws.receive_json()
        if frame != {"evento": "ping"}:
            return frame
    raise AssertionError("nenhum evento além de pings")
