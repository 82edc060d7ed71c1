"""Weekly windows (``horarios``): when an item plays, in a TV's wall-clock time.

Pure: no clock, no database. A window is ``{"dias": [1..7], "inicio": "HH:MM",
"fim": "HH:MM"}`` with ISO weekdays (1 = Monday). One whose ``fim`` is before its
``inicio`` runs past midnight and belongs to the day it starts: Friday 22:00-02:00
is Friday 22:00 to Saturday 02:00. No windows means always.

    is_open(windows, local)        the windows at a wall-clock moment
    change_candidates(...)         every instant in a span at which ``is_open`` may
                                   change: each edge's wall-clock time on each date
                                   (both readings of an hour that repeats) and the
                                   zone's own offset changes

Wall clock is what counts: across a DST change a window follows the clock on the
wall, so on the night clocks jump from 02:00 to 03:00 a window from 02:30 opens at
the jump, and when 01:00-02:00 repeats the clock passes its edges twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
WEEKDAYS = range(1, 8)
_US_PER_MINUTE = 60_000_000


def minutes_of(text: str) -> int:
    """``"19:30"`` -> 1170."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _previous_weekday(weekday: int) -> int:
    return 7 if weekday == 1 else weekday - 1


@dataclass(frozen=True, slots=True)
class Window:
    days: frozenset[int]
    # Minutes after midnight; ``end`` before ``start`` runs past midnight.
    start: int
    end: int

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start

    def contains(self, weekday: int, microsecond_of_day: int) -> bool:
        start = self.start * _US_PER_MINUTE
        end = self.end * _US_PER_MINUTE
        if not self.crosses_midnight:
            return weekday in self.days and start <= microsecond_of_day < end
        # The evening part on its own day, the small hours on the next.
        return (weekday in self.days and microsecond_of_day >= start) or (
            _previous_weekday(weekday) in self.days and microsecond_of_day < end
        )

    def payload(self) -> dict[str, Any]:
        return {
            "dias": sorted(self.days),
            "inicio": clock_text(self.start),
            "fim": clock_text(self.end),
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Window:
        return cls(
            days=frozenset(int(day) for day in data["dias"]),
            start=minutes_of(str(data["inicio"])),
            end=minutes_of(str(data["fim"])),
        )


Windows = tuple[Window, ...]


def dumps(windows: Sequence[Window]) -> str:
    return json.dumps([w.payload() for w in windows], separators=(",", ":"))


def loads(text: str) -> Windows:
    return tuple(Window.from_payload(data) for data in json.loads(text))


def _microsecond_of_day(local: datetime) -> int:
    seconds = (local.hour * 60 + local.minute) * 60 + local.second
    return seconds * 1_000_000 + local.microsecond


def is_open(windows: Sequence[Window], local: datetime) -> bool:
    """Whether the wall-clock moment ``local`` falls in one of ``windows``."""
    if not windows:
        return True
    weekday = local.isoweekday()
    moment = _microsecond_of_day(local)
    return any(w.contains(weekday, moment) for w in windows)


def _dates(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def offset_changes(zone: ZoneInfo, after: datetime, until: datetime) -> list[datetime]:
    """The instants in ``(after, until]`` at which ``zone``'s UTC offset changes."""
    found: list[datetime] = []
    step = timedelta(hours=12)
    low = after
    while low < until:
        high = min(low + step, until)
        if low.astimezone(zone).utcoffset() != high.astimezone(zone).utcoffset():
            found.append(_first_with_offset_of(zone, low, high))
        low = high
    return found


def _first_with_offset_of(zone: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The first instant in ``(low, high]`` with ``high``'s offset (one change
    between them): bisected to the second, where zones change."""
    target = high.astimezone(zone).utcoffset()
    low_s, high_s = int(low.timestamp()), int(high.timestamp())
    while high_s - low_s > 1:
        middle = (low_s + high_s) // 2
        instant = datetime.fromtimestamp(middle, UTC)
        if instant.astimezone(zone).utcoffset() == target:
            high_s = middle
        else:
            low_s = middle
    return datetime.fromtimestamp(high_s, UTC)


def _edges_on(windows: Iterable[Window], weekday: int) -> set[int]:
    """The minutes at which ``windows`` open or close on a day of ``weekday``."""
    found: set[int] = set()
    for window in windows:
        if weekday in window.days:
            found.add(window.start)
            if not window.crosses_midnight:
                found.add(window.end)
        if window.crosses_midnight and _previous_weekday(weekday) in window.days:
            found.add(window.end)
    return found


def change_candidates(
    windows: Sequence[Window], zone: ZoneInfo, after: datetime, until: datetime
) -> set[datetime]:
    """UTC instants in ``(after, until]`` where ``windows`` may open or close in
    ``zone``: the superset ``is_open`` changes within."""
    if not windows:
        return set()
    by_weekday = {weekday: _edges_on(windows, weekday) for weekday in WEEKDAYS}
    found: set[datetime] = set()
    first = after.astimezone(zone).date() - timedelta(days=1)
    last = until.astimezone(zone).date() + timedelta(days=1)
    for day in _dates(first, last):
        for minute in by_weekday[day.isoweekday()]:
            wall = datetime.combine(day, time(minute // 60, minute % 60), zone)
            # An hour that repeats has two instants; one that never happens maps
            # to an instant near the jump (harmless: the jump is a candidate too).
            for fold in (0, 1):
                instant = wall.replace(fold=fold).astimezone(UTC)
                if after < instant <= until:
                    found.add(instant)
    found.update(offset_changes(zone, after, until))
    return found
