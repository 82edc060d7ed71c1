"""Error reporting to Sentry, on only when ``EXPOTV_SENTRY_DSN`` is set.

Unhandled exceptions are reported by the HTTP middleware (``capture_exception``);
other ERROR log records become events through Sentry's logging integration, except
``expotv.errors``, which would repeat the middleware's report. No personal data is
sent, and credentials are masked even if a future option would include them.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from typing import Any

from expotv.config import Settings
from expotv.observability.logging import ERRORS_LOGGER

_MASK = "[removido]"
_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
_SECRET_PARAM = re.compile(r"token|senha|password|secret|key|auth", re.I)


def _version() -> str | None:
    try:
        return metadata.version("expotv")
    except metadata.PackageNotFoundError:  # pragma: no cover - always installed
        return None


def _scrub_query(query: Any) -> Any:
    if not isinstance(query, str) or not query:
        return query
    pairs = []
    for pair in query.split("&"):
        name, sep, _value = pair.partition("=")
        pairs.append(f"{name}={_MASK}" if sep and _SECRET_PARAM.search(name) else pair)
    return "&".join(pairs)


def scrub_event(event: dict[str, Any], _hint: dict[str, Any]) -> dict[str, Any]:
    """``before_send``: mask credentials in the request part of an event."""
    request = event.get("request")
    if isinstance(request, dict):
        headers = request.get("headers")
        if isinstance(headers, dict):
            for name in list(headers):
                if name.lower() in _SECRET_HEADERS:
                    headers[name] = _MASK
        request.pop("cookies", None)
        request.pop("data", None)
        if "query_string" in request:
            request["query_string"] = _scrub_query(request["query_string"])
    return event


def init_sentry(settings: Settings, **options: Any) -> bool:
    """Start the Sentry client when a DSN is configured; ``options`` are for tests.

    The SDK is imported only then: with feedparser, also imported only where used,
    it was 8 MiB of every worker's memory."""
    if not settings.sentry_dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.logging import ignore_logger

    ignore_logger(ERRORS_LOGGER)
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.environment.value,
        release=_version(),
        send_default_pii=False,
        max_request_body_size="never",
        # Frame locals hold ASGI scopes, headers and tokens: never send them.
        include_local_variables=False,
        before_send=scrub_event,  # type: ignore[arg-type]
        **options,
    )
    return True


def capture_exception(exc: BaseException) -> None:
    """Report ``exc`` when the Sentry client was started in this process."""
    sdk = sys.modules.get("sentry_sdk")
    if sdk is not None:
        sdk.capture_exception(exc)
