"""Sentry: off without a DSN; with one, unhandled errors are reported once and
without credentials. The reporting run happens in a child process, since the SDK
patches Starlette for the whole process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from expotv.observability.sentry import init_sentry, scrub_event
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path

    import httpx
    import sentry_sdk
    from fastapi import FastAPI
    from sentry_sdk.transport import Transport

    from expotv.observability.middleware import ObservabilityMiddleware
    from expotv.observability.sentry import init_sentry
    from tests.conftest import make_settings

    events = []

    class Capture(Transport):
        def capture_envelope(self, envelope):
            for item in envelope.items:
                if item.type == "event":
                    events.append(item.payload.json)

    settings = make_settings(
        Path(sys.argv[1]), sentry_dsn="https://chave@sentry.invalid/1"
    )
    assert init_sentry(settings, transport=Capture)

    app = FastAPI()

    @app.get("/boom")
    async def boom():
        raise RuntimeError("falha para o sentry")

    app.add_middleware(ObservabilityMiddleware)

    async def main():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.get(
                "/boom?token=segredo-na-url&pagina=2",
                headers={"Authorization": "Bearer segredo-no-header",
                         "Cookie": "sessao=segredo-no-cookie"},
            )
            return response.status_code

    status = asyncio.run(main())
    sentry_sdk.flush()
    print(json.dumps({"status": status, "events": events}, default=str))
    """
)


def test_sentry_stays_off_without_a_dsn(tmp_path: Path) -> None:
    assert init_sentry(make_settings(tmp_path)) is False


def test_unhandled_errors_reach_sentry_once_without_credentials(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Let the child cache bytecode: compiling every import again takes many seconds.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr

    output = json.loads(result.stdout.strip().splitlines()[-1])
    assert output["status"] == 500
    [event] = output["events"]
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "falha para o sentry"
    dumped = json.dumps(event)
    for secret in ("segredo-na-url", "segredo-no-header", "segredo-no-cookie"):
        assert secret not in dumped
    assert "user" not in event or "ip_address" not in event["user"]


def test_scrubbing_masks_credentials_in_the_request() -> None:
    event = {
        "request": {
            "headers": {"Authorization": "Bearer x", "X-Api-Key": "y", "Accept": "*/*"},
            "cookies": {"sessao": "z"},
            "data": {"senha": "w"},
            "query_string": "access_token=t&pagina=2&chave=k",
        }
    }

    scrubbed = scrub_event(event, {})["request"]

    assert scrubbed["headers"] == {
        "Authorization": "[removido]",
        "X-Api-Key": "[removido]",
        "Accept": "*/*",
    }
    assert "cookies" not in scrubbed
    assert "data" not in scrubbed
    assert scrubbed["query_string"] == "access_token=[removido]&pagina=2&chave=k"
