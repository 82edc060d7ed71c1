"""Time zones: which IANA names we accept, and the zone naive input is read in.

    canonical_zone(name)    the IANA name as the database spells it (any case in),
                            or ValueError: ``fuso_horario`` and ``EXPOTV_TIMEZONE``
    zone_of(name)           the ``ZoneInfo`` of a name (cached)
    as_utc(value)           an aware UTC datetime; a naive one is read in the input
                            zone first
    InputZoneMiddleware     sets the input zone (``EXPOTV_TIMEZONE``) for each request

Why a context variable: request bodies are validated by FastAPI before any route
code runs, so a validator cannot be handed the app's settings. The middleware sets
the zone once per request (the same value for the whole app), and every timestamp
type of the API reads it through ``as_utc``. Outside a request (scripts, unit tests)
the zone is the default of ``EXPOTV_TIMEZONE``.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from starlette.types import ASGIApp, Receive, Scope, Send

DEFAULT_ZONE = "America/Sao_Paulo"
# Names the IANA database ships that are no place anyone lives in.
_NOT_PLACES = frozenset({"localtime", "Factory"})

_input_zone: ContextVar[ZoneInfo | None] = ContextVar("expotv_input_zone", default=None)


@lru_cache(maxsize=1)
def _names_by_lower_case() -> dict[str, str]:
    return {
        name.lower(): name for name in available_timezones() if name not in _NOT_PLACES
    }


def canonical_zone(name: str) -> str:
    """``name`` as the IANA database spells it (``america/sao_paulo`` too)."""
    found = _names_by_lower_case().get(name.strip().lower())
    if found is None:
        raise ValueError(f"fuso horário desconhecido: {name!r} (use um nome IANA)")
    return found


@lru_cache(maxsize=1024)
def zone_of(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def input_zone() -> ZoneInfo:
    """The zone a timestamp sent without an offset is read in."""
    return _input_zone.get() or zone_of(DEFAULT_ZONE)


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC; without an offset it is wall-clock time in the input zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=input_zone())
    return value.astimezone(UTC)


class InputZoneMiddleware:
    """Every request reads naive timestamps in ``zone`` (``EXPOTV_TIMEZONE``)."""

    def __init__(self, app: ASGIApp, *, zone: str) -> None:
        self.app = app
        self.zone = zone_of(zone)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _input_zone.set(self.zone)
        try:
            await self.app(scope, receive, send)
        finally:
            _input_zone.reset(token)
