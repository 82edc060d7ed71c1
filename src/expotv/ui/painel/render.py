"""Jinja templates of the dashboard and the pt-BR formats they print.

Dates are shown in the zone passed to the page (``zone``): the condomínio's when the
page is about one, else ``EXPOTV_TIMEZONE``; always ``dd/mm/aaaa HH:MM``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from expotv.context import context_of
from expotv.pagination import PageParams, PageResult

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC_PREFIX = "/painel/static"
TEMPLATES = Jinja2Templates(directory=HERE / "templates")

DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"
# ISO weekdays (1 = Monday), as the weekly windows name them.
WEEKDAY_NAMES = {1: "seg", 2: "ter", 3: "qua", 4: "qui", 5: "sex", 6: "sáb", 7: "dom"}
# What an <input type="datetime-local"> sends (scripts and API clients may too).
INPUT_FORMAT = "%Y-%m-%dT%H:%M"


@cache
def _static_version(name: str) -> str:
    # Content hash in the URL: a deploy never serves yesterday's script from cache.
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]


def static_url(name: str) -> str:
    return f"{STATIC_PREFIX}/{name}?v={_static_version(name)}"


def to_local(value: datetime, zone: ZoneInfo) -> datetime:
    return value.astimezone(zone)


def format_datetime(value: datetime | None, zone: ZoneInfo) -> str:
    return "" if value is None else to_local(value, zone).strftime(DATETIME_FORMAT)


def format_date(value: datetime | None, zone: ZoneInfo) -> str:
    return "" if value is None else to_local(value, zone).strftime(DATE_FORMAT)


def parse_local(text: str, zone: ZoneInfo) -> datetime:
    """A date typed as ``aaaa-mm-ddTHH:MM`` or ``dd/mm/aaaa HH:MM``, in ``zone``."""
    text = text.strip()
    for pattern in (INPUT_FORMAT, "%Y-%m-%dT%H:%M:%S", DATETIME_FORMAT, DATE_FORMAT):
        try:
            naive = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return naive.replace(tzinfo=zone)
    raise ValueError("data inválida: use dd/mm/aaaa HH:MM")


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def format_elapsed(value: datetime | None, now: datetime) -> str:
    """``há 3 min``, ``em 2 dias``: how far ``value`` is from ``now``."""
    if value is None:
        return "nunca"
    delta = now - value
    future = delta < timedelta(0)
    seconds = int(abs(delta.total_seconds()))
    if seconds < 60:
        return "agora" if not future else "em instantes"
    if seconds < 3600:
        text = f"{seconds // 60} min"
    elif seconds < 86400:
        text = _plural(seconds // 3600, "hora", "horas")
    else:
        text = _plural(seconds // 86400, "dia", "dias")
    return f"em {text}" if future else f"há {text}"


def format_duration(seconds: int) -> str:
    """``45 s``, ``2 min 05 s``, ``1 h 02 min``."""
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_bytes(size: int) -> str:
    if size >= 1024 * 1024:
        value = size / (1024 * 1024)
        text = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
        return f"{text.replace('.', ',')} MB"
    return f"{max(1, size // 1024)} KB"


def format_number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


@pass_context
def _datetime_filter(context: Context, value: datetime | None) -> str:
    return format_datetime(value, context["zone"])


@pass_context
def _date_filter(context: Context, value: datetime | None) -> str:
    return format_date(value, context["zone"])


@pass_context
def _elapsed_filter(context: Context, value: datetime | None) -> str:
    now: datetime = context["now"]
    return format_elapsed(value, now)


@pass_context
def _iso_filter(context: Context, value: datetime | None) -> str:
    return "" if value is None else to_local(value, context["zone"]).isoformat()


TEMPLATES.env.globals["static"] = static_url
TEMPLATES.env.filters.update(
    datahora=_datetime_filter,
    data=_date_filter,
    ha=_elapsed_filter,
    iso=_iso_filter,
    duracao=format_duration,
    bytes=format_bytes,
    numero=format_number,
    dia_da_semana=lambda number: WEEKDAY_NAMES.get(int(number), str(number)),
    # Choices (``lookups.Choice``) as the (value, label) pairs of a <select>.
    opcoes=lambda choices: [(choice.id, choice.name) for choice in choices],
)


def page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    # Pages carry the signed-in person's data: never stored by a shared cache.
    all_headers = {"Cache-Control": "no-store", **(headers or {})}
    return TEMPLATES.TemplateResponse(
        request, template, context, status_code=status_code, headers=all_headers
    )


# IANA spells Brazil's cities without accents; people read them with.
_CITY_NAMES = {
    "Sao_Paulo": "São Paulo",
    "Maceio": "Maceió",
    "Belem": "Belém",
    "Santarem": "Santarém",
    "Cuiaba": "Cuiabá",
    "Araguaina": "Araguaína",
    "Eirunepe": "Eirunepé",
    "Noronha": "Fernando de Noronha",
}


def zone_label(zone: ZoneInfo) -> str:
    """``America/Sao_Paulo`` -> ``São Paulo`` (how the zone is named on forms)."""
    city = zone.key.rsplit("/", 1)[-1]
    return _CITY_NAMES.get(city, city.replace("_", " "))


def date_presets(now: datetime, zone: ZoneInfo) -> list[tuple[str, str]]:
    """Quick picks for an expiry: the end of today, of a week, of a month."""
    end_of_today = to_local(now, zone).replace(hour=23, minute=59, second=0)
    return [
        (label, (end_of_today + timedelta(days=days)).strftime(DATETIME_FORMAT))
        for label, days in (("Hoje", 0), ("Em 7 dias", 7), ("Em 30 dias", 30))
    ]


def base_context(
    request: Request, visitor: Any, section: str, zone: ZoneInfo | None = None
) -> dict[str, Any]:
    """What every page's layout needs: who is signed in, the zone, the CSRF token.

    ``zone`` is the one the page's dates are in: its condomínio's ``fuso_horario``
    when the page is about one (``lookups.zone_for``), else ``EXPOTV_TIMEZONE``.
    """
    settings = context_of(request.app).settings
    zone = zone or settings.zone
    now = datetime.now(zone)
    return {
        "me": visitor,
        "csrf": visitor.csrf if visitor is not None else "",
        "section": section,
        "zone": zone,
        "zone_label": zone_label(zone),
        "date_presets": date_presets(now, zone),
        "now": now,
        "ok": request.query_params.get("ok", ""),
    }


PAGE_SIZE = 24


class Pager:
    """Page links of a list (``?pagina=N``), keeping its other query parameters."""

    def __init__(self, request: Request, result: PageResult[Any]) -> None:
        self.total = result.total
        self.number = result.offset // result.limit + 1
        self.pages = max(1, -(-result.total // result.limit))
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "pagina"]
        self._query = urlencode(kept)

    def link(self, number: int) -> str:
        query = f"{self._query}&" if self._query else ""
        return f"?{query}pagina={number}"

    @property
    def previous(self) -> str | None:
        return self.link(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.link(self.number + 1) if self.number < self.pages else None


def page_number(request: Request) -> int:
    raw = request.query_params.get("pagina", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def page_params(request: Request, size: int = PAGE_SIZE) -> PageParams:
    return PageParams(limit=size, offset=(page_number(request) - 1) * size)
