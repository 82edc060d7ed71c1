"""The liveness rules of ``expotv.content``: Python and SQL agree, on any row.

Each hybrid is evaluated on instances in Python and as a ``WHERE`` clause over the
same rows in a real SQLite database (through ``UTCDateTime``, as in production).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import ColumnElement, Engine, create_engine, delete, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from expotv.content import (
    ContentStatus,
    ExpiringMixin,
    ScheduledMixin,
    scheduled_status_at,
    status_at,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ACTIVE = ContentStatus.ACTIVE
INACTIVE = ContentStatus.INACTIVE
EXPIRED = ContentStatus.EXPIRED
PROCESSING = ContentStatus.PROCESSING
ERROR = ContentStatus.ERROR
SCHEDULED = ContentStatus.SCHEDULED


class _Base(DeclarativeBase):
    pass


class Row(ExpiringMixin, _Base):
    __tablename__ = "row"

    id: Mapped[int] = mapped_column(primary_key=True)


class StartingRow(ScheduledMixin, _Base):
    """An anúncio's or aviso's rules: ``Row``'s plus a start (``data_inicio``)."""

    __tablename__ = "starting_row"

    id: Mapped[int] = mapped_column(primary_key=True)


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


Rule = tuple[Callable[[Row, datetime], bool], Callable[[datetime], ColumnElement[bool]]]
RULES: dict[str, Rule] = {
    "is_expired": (lambda r, now: r.is_expired(now), Row.is_expired),
    "is_live": (lambda r, now: r.is_live(now), Row.is_live),
    "plays": (lambda r, now: r.plays(now), Row.plays),
    "is_expiry_due": (lambda r, now: r.is_expiry_due(now), Row.is_expiry_due),
    **{
        f"shows_status[{status}]": (
            lambda r, now, s=status: r.shows_status(s, now),
            lambda now, s=status: Row.shows_status(s, now),
        )
        for status in ContentStatus
    },
}

# Microseconds around ``now`` find the edge (<= versus <) and any rounding.
offsets = st.one_of(
    st.integers(min_value=-3, max_value=3).map(lambda us: timedelta(microseconds=us)),
    st.timedeltas(min_value=timedelta(days=-400), max_value=timedelta(days=400)),
)
rows = st.lists(
    st.tuples(st.sampled_from(list(ContentStatus)), st.none() | offsets),
    min_size=1,
    max_size=12,
)
instants = st.datetimes(
    min_value=datetime(2001, 1, 1),
    max_value=datetime(2090, 1, 1),
    timezones=st.just(UTC),
)


@settings(max_examples=300, deadline=None)
@given(rows=rows, now=instants)
def test_every_rule_selects_in_sql_exactly_the_rows_it_accepts_in_python(
    engine: Engine,
    rows: list[tuple[ContentStatus, timedelta | None]],
    now: datetime,
) -> None:
    values: list[dict[str, Any]] = [
        {
            "id": i,
            "status": status,
            "expires_at": None if offset is None else now + offset,
            "duration_seconds": 10,
        }
        for i, (status, offset) in enumerate(rows, start=1)
    ]
    instances = [Row(**v) for v in values]
    with engine.begin() as conn:
        conn.execute(delete(Row))
        conn.execute(insert(Row), values)
        for name, (in_python, in_sql) in RULES.items():
            selected = set(conn.scalars(select(Row.id).where(in_sql(now))))
            accepted = {row.id for row in instances if in_python(row, now)}
            assert selected == accepted, name


@pytest.mark.parametrize(
    ("status", "expires_at", "shown"),
    [
        (ACTIVE, None, ACTIVE),
        (INACTIVE, NOW + timedelta(seconds=1), INACTIVE),
        (ACTIVE, NOW, EXPIRED),
        (INACTIVE, NOW - timedelta(days=1), EXPIRED),
        (PROCESSING, NOW - timedelta(days=1), EXPIRED),
        (EXPIRED, None, EXPIRED),
        (ERROR, None, ERROR),
    ],
)
def test_status_on_read_expires_as_soon_as_the_date_passes(
    status: ContentStatus, expires_at: datetime | None, shown: ContentStatus
) -> None:
    item = Row(status=status, expires_at=expires_at)
    assert item.status_at(NOW) is shown
    assert status_at(item, NOW) is shown
    assert item.is_live(NOW) is (shown is not EXPIRED)


@pytest.mark.parametrize(
    ("status", "expires_at", "plays", "due"),
    [
        (ACTIVE, None, True, False),
        (ACTIVE, NOW + timedelta(microseconds=1), True, False),
        (ACTIVE, NOW, False, True),
        (INACTIVE, NOW, False, True),
        # A conversion in progress or failed keeps its status until it ends.
        (PROCESSING, NOW - timedelta(days=1), False, False),
        (ERROR, NOW - timedelta(days=1), False, False),
        (EXPIRED, NOW - timedelta(days=1), False, False),
    ],
)
def test_only_active_items_ahead_of_their_date_play(
    status: ContentStatus, expires_at: datetime | None, plays: bool, due: bool
) -> None:
    item = Row(status=status, expires_at=expires_at)
    assert item.plays(NOW) is plays
    assert item.is_expiry_due(NOW) is due


StartingRule = tuple[
    Callable[[StartingRow, datetime], bool], Callable[[datetime], ColumnElement[bool]]
]
STARTING_RULES: dict[str, StartingRule] = {
    "is_expired": (lambda r, now: r.is_expired(now), StartingRow.is_expired),
    "is_live": (lambda r, now: r.is_live(now), StartingRow.is_live),
    "is_pending": (lambda r, now: r.is_pending(now), StartingRow.is_pending),
    "plays": (lambda r, now: r.plays(now), StartingRow.plays),
    "is_expiry_due": (lambda r, now: r.is_expiry_due(now), StartingRow.is_expiry_due),
    **{
        f"shows_status[{status}]": (
            lambda r, now, s=status: r.shows_status(s, now),
            lambda now, s=status: StartingRow.shows_status(s, now),
        )
        for status in ContentStatus
    },
}
stored = st.sampled_from([s for s in ContentStatus if s is not SCHEDULED])
starting_rows = st.lists(
    st.tuples(stored, st.none() | offsets, st.none() | offsets), min_size=1, max_size=12
)


@settings(max_examples=300, deadline=None)
@given(rows=starting_rows, now=instants)
def test_rules_with_a_start_select_in_sql_exactly_what_python_accepts(
    engine: Engine,
    rows: list[tuple[ContentStatus, timedelta | None, timedelta | None]],
    now: datetime,
) -> None:
    values: list[dict[str, Any]] = [
        {
            "id": i,
            "status": status,
            "expires_at": None if expiry is None else now + expiry,
            "starts_at": None if start is None else now + start,
            "duration_seconds": 10,
        }
        for i, (status, expiry, start) in enumerate(rows, start=1)
    ]
    instances = [StartingRow(**v) for v in values]
    with engine.begin() as conn:
        conn.execute(delete(StartingRow))
        conn.execute(insert(StartingRow), values)
        for name, (in_python, in_sql) in STARTING_RULES.items():
            selected = set(conn.scalars(select(StartingRow.id).where(in_sql(now))))
            accepted = {row.id for row in instances if in_python(row, now)}
            assert selected == accepted, name
    # Each row shows exactly one status, and the filter finds it there.
    for row in instances:
        shown = [s for s in ContentStatus if row.shows_status(s, now)]
        assert shown == [row.status_at(now)]


@pytest.mark.parametrize(
    ("status", "starts_at", "expires_at", "shown", "plays"),
    [
        (ACTIVE, NOW + timedelta(microseconds=1), None, SCHEDULED, False),
        (ACTIVE, NOW, None, ACTIVE, True),
        (ACTIVE, NOW - timedelta(days=1), None, ACTIVE, True),
        # Inactive, converting or failed items say so, started or not.
        (INACTIVE, NOW + timedelta(days=1), None, INACTIVE, False),
        (PROCESSING, NOW + timedelta(days=1), None, PROCESSING, False),
        (ERROR, NOW + timedelta(days=1), None, ERROR, False),
        # Past its expiry it is expired, whatever its start.
        (ACTIVE, NOW + timedelta(days=1), NOW, EXPIRED, False),
    ],
)
def test_an_active_item_is_scheduled_until_its_start(
    status: ContentStatus,
    starts_at: datetime | None,
    expires_at: datetime | None,
    shown: ContentStatus,
    plays: bool,
) -> None:
    item = StartingRow(status=status, starts_at=starts_at, expires_at=expires_at)
    assert item.status_at(NOW) is shown
    assert scheduled_status_at(item, NOW) is shown
    assert item.plays(NOW) is plays
    # Waiting for its start still counts against a Síndico's quota.
    assert item.is_live(NOW) is (shown is not EXPIRED)
