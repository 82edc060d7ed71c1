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

from expotv.content import ContentStatus, ExpiringMixin, status_at

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ACTIVE = ContentStatus.ACTIVE
INACTIVE = ContentStatus.INACTIVE
EXPIRED = ContentStatus.EXPIRED
PROCESSING = ContentStatus.PROCESSING
ERROR = ContentStatus.ERROR


class _Base(DeclarativeBase):
    pass


class Row(ExpiringMixin, _Base):
    __tablename__ = "row"

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
