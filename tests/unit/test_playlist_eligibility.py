"""Who plays on which TV when (``playlist.eligibility``), against the contract.

The oracle below is the contract's text written again, the plain way: a window is
an interval of wall-clock time that starts on one of its days (and, when ``fim``
is before ``inicio``, ends the next day); an item plays while it is "ativo",
started, not expired, on this TV and inside a window; an emergency aviso that
plays takes the TV over. Hypothesis compares ``evaluate`` with it at random
instants in zones with and without DST, and checks that ``valid_until`` is the
first instant the playing set changes by scanning every minute up to it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expotv.content import ContentStatus
from expotv.playlist.builder import (
    ItemKind,
    Mode,
    PlaylistItem,
    Ratios,
    Reason,
    TVInfo,
)
from expotv.playlist.eligibility import evaluate
from expotv.windows import Window, change_candidates, is_open

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
MANAUS = ZoneInfo("America/Manaus")
NEW_YORK = ZoneInfo("America/New_York")
LISBON = ZoneInfo("Europe/Lisbon")
# Half-hour offsets, and a DST change of half an hour.
ZONES = [
    SAO_PAULO,
    MANAUS,
    NEW_YORK,
    LISBON,
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Australia/Lord_Howe"),
]
TV_ID = 7
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
ACTIVE = ContentStatus.ACTIVE


def tv(zone: ZoneInfo = SAO_PAULO, ratios: Ratios | None = None) -> TVInfo:
    return TVInfo(
        id=TV_ID,
        code="ABC234",
        name="Hall",
        condominium_id=3,
        ratios=ratios or Ratios(notices=1, ads=1, news=1),
        zone=zone,
    )


def window(days: set[int] | range, start: str, end: str) -> Window:
    def minutes(text: str) -> int:
        hours, mins = text.split(":")
        return int(hours) * 60 + int(mins)

    return Window(days=frozenset(days), start=minutes(start), end=minutes(end))


def item(
    item_id: int,
    kind: ItemKind = ItemKind.AD,
    **fields: object,
) -> PlaylistItem:
    values: dict[str, object] = {
        "kind": kind,
        "id": item_id,
        "title": f"{kind.value} {item_id}",
        "created_at": EPOCH + timedelta(minutes=item_id),
        "duration_seconds": 10,
    }
    values.update(fields)
    return PlaylistItem(**values)  # type: ignore[arg-type]


def local(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold).astimezone(UTC)  # type: ignore[misc]


def playing(items: list[PlaylistItem], screen: TVInfo, now: datetime) -> set[int]:
    lineup = evaluate(items, screen, now)
    return {entry.id for group in lineup.groups.values() for entry in group}


# The oracle ------------------------------------------------------------------


def oracle_open(windows: tuple[Window, ...], wall: datetime) -> bool:
    """``wall`` (naive, wall-clock) inside a window that began today or yesterday."""
    if not windows:
        return True
    for w in windows:
        for back in (0, 1):
            day = wall.date() - timedelta(days=back)
            if day.isoweekday() not in w.days:
                continue
            begin = datetime.combine(day, time(w.start // 60, w.start % 60))
            end_day = day if w.end > w.start else day + timedelta(days=1)
            end = datetime.combine(end_day, time(w.end // 60, w.end % 60))
            if begin <= wall < end:
                return True
    return False


def oracle(
    items: list[PlaylistItem], screen: TVInfo, instant: datetime
) -> tuple[Mode, set[tuple[ItemKind, int]]]:
    wall = instant.astimezone(screen.zone).replace(tzinfo=None)
    own = [
        i
        for i in items
        if i.status is ACTIVE
        and (i.expires_at is None or instant < i.expires_at)
        and (i.starts_at is None or i.starts_at <= instant)
        and (not i.tv_ids or screen.id in i.tv_ids)
        and oracle_open(i.windows, wall)
    ]
    emergencies = {i.key for i in own if i.kind is ItemKind.NOTICE and i.is_emergency}
    if emergencies:
        return Mode.EMERGENCY, emergencies
    return Mode.NORMAL, {i.key for i in own if screen.ratios.of(i.kind) > 0}


# Strategies ------------------------------------------------------------------

# Around the DST changes of New York, Lisbon and Lord Howe, and plain weeks.
BASES = [
    datetime(2027, 3, 13, 12, 0, tzinfo=UTC),
    datetime(2027, 3, 27, 12, 0, tzinfo=UTC),
    datetime(2027, 4, 3, 6, 0, tzinfo=UTC),
    datetime(2027, 10, 2, 6, 0, tzinfo=UTC),
    datetime(2027, 10, 30, 12, 0, tzinfo=UTC),
    datetime(2027, 11, 6, 12, 0, tzinfo=UTC),
    datetime(2026, 12, 7, 12, 0, tzinfo=UTC),
]
clock_minutes = st.integers(0, 24 * 60 - 1)
windows_strategy = st.lists(
    st.builds(
        Window,
        days=st.frozensets(st.integers(1, 7), min_size=1, max_size=7),
        start=clock_minutes,
        end=clock_minutes,
    ).filter(lambda w: w.start != w.end),
    max_size=3,
).map(tuple)


@st.composite
def scene(
    draw: st.DrawFn,
) -> tuple[list[PlaylistItem], TVInfo, datetime]:
    base = draw(st.sampled_from(BASES))
    # ``now`` anywhere in a minute; every edge falls on a whole minute.
    now = base + timedelta(seconds=draw(st.integers(0, 2 * 86400)))
    moments = st.none() | st.integers(-2880, 5760).map(
        lambda m: base + timedelta(minutes=m)
    )
    specs = draw(
        st.lists(
            st.tuples(
                st.sampled_from(list(ItemKind)),
                st.sampled_from([ACTIVE] * 4 + [ContentStatus.INACTIVE]),
                moments,
                moments,
                windows_strategy,
                st.sampled_from([frozenset(), frozenset({TV_ID}), frozenset({99})]),
                st.booleans(),
            ),
            max_size=6,
        )
    )
    items = [
        item(
            n,
            kind,
            status=status,
            starts_at=start,
            expires_at=expiry,
            windows=windows,
            tv_ids=tv_ids,
            is_emergency=emergency and kind is ItemKind.NOTICE,
        )
        for n, (kind, status, start, expiry, windows, tv_ids, emergency) in enumerate(
            specs, start=1
        )
    ]
    ratios = draw(
        st.builds(
            Ratios,
            notices=st.integers(0, 2),
            ads=st.integers(0, 2),
            news=st.integers(0, 2),
        )
    )
    return items, tv(draw(st.sampled_from(ZONES)), ratios), now


# Properties ------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(
    windows=windows_strategy,
    wall=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1)),
)
def test_a_window_is_open_exactly_at_the_wall_clock_times_the_contract_says(
    windows: tuple[Window, ...], wall: datetime
) -> None:
    assert is_open(windows, wall) is oracle_open(windows, wall)


@settings(max_examples=300, deadline=None)
@given(scene())
def test_an_item_plays_at_an_instant_on_a_tv_exactly_when_the_contract_says(
    case: tuple[list[PlaylistItem], TVInfo, datetime],
) -> None:
    items, screen, now = case
    lineup = evaluate(items, screen, now)
    mode, expected = oracle(items, screen, now)
    assert lineup.mode is mode
    assert {e.key for group in lineup.groups.values() for e in group} == expected
    # Every other item is out, once, with a reason.
    out = [entry.key for entry, _ in lineup.out]
    assert sorted(out) == sorted(i.key for i in items if i.key not in expected)


SCAN = timedelta(days=2)


@settings(max_examples=60, deadline=None)
@given(scene())
def test_valid_until_is_the_first_instant_the_playing_set_changes(
    case: tuple[list[PlaylistItem], TVInfo, datetime],
) -> None:
    items, screen, now = case
    valid_until = evaluate(items, screen, now).valid_until
    initial = oracle(items, screen, now)
    end = now + SCAN if valid_until is None else min(valid_until, now + SCAN)
    # Every change is on a whole minute: scanning them all finds the first one.
    instant = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while instant < end:
        assert oracle(items, screen, instant) == initial, instant
        instant += timedelta(minutes=1)
    if valid_until is not None:
        assert valid_until > now
        assert oracle(items, screen, valid_until) != initial


# Cases -------------------------------------------------------------------------

MONDAY = date(2026, 12, 7)


def test_a_window_past_midnight_belongs_to_the_day_it_starts() -> None:
    # Friday 22:00 to Saturday 02:00, and Saturday 22:00 to Sunday 02:00.
    late = (window({5, 6}, "22:00", "02:00"),)
    assert is_open(late, datetime(2026, 12, 11, 23, 0))  # Friday night
    assert is_open(late, datetime(2026, 12, 12, 1, 59))  # small hours of Saturday
    assert not is_open(late, datetime(2026, 12, 12, 2, 0))
    assert is_open(late, datetime(2026, 12, 13, 1, 0))  # Saturday's, on Sunday
    # Friday's small hours belong to Thursday, which has no window.
    assert not is_open(late, datetime(2026, 12, 11, 1, 0))
    assert not is_open(late, datetime(2026, 12, 14, 1, 0))  # Monday


@pytest.mark.parametrize("weekday", range(1, 8))
def test_a_window_on_one_weekday_opens_on_that_day_only(weekday: int) -> None:
    only = (window({weekday}, "09:00", "10:00"),)
    for offset in range(7):
        day = MONDAY + timedelta(days=offset)
        wall = datetime.combine(day, time(9, 30))
        assert is_open(only, wall) is (day.isoweekday() == weekday)


def test_windows_are_read_in_the_tvs_own_zone() -> None:
    dinner = item(1, windows=(window(range(1, 8), "19:00", "23:00"),))
    # 19:30 in São Paulo is 18:30 in Manaus.
    now = local(SAO_PAULO, 2026, 12, 7, 19, 30)
    assert playing([dinner], tv(SAO_PAULO), now) == {1}
    assert playing([dinner], tv(MANAUS), now) == set()
    lineup = evaluate([dinner], tv(MANAUS), now)
    assert lineup.out == [(dinner, Reason.OFF_HOURS)]
    assert lineup.valid_until == local(MANAUS, 2026, 12, 7, 19, 0)


def test_a_window_opening_at_1900_is_the_playlists_next_edge() -> None:
    dinner = item(1, windows=(window({1, 2, 3, 4, 5}, "19:00", "22:00"),))
    always = item(2)
    before = local(SAO_PAULO, 2026, 12, 7, 18, 0)
    lineup = evaluate([dinner, always], tv(), before)
    assert lineup.valid_until == local(SAO_PAULO, 2026, 12, 7, 19, 0)
    during = evaluate([dinner, always], tv(), lineup.valid_until)
    assert {e.id for e in during.groups[ItemKind.AD]} == {1, 2}
    assert during.valid_until == local(SAO_PAULO, 2026, 12, 7, 22, 0)
    # Friday 22:00 closes it until Monday 19:00.
    friday = evaluate([dinner, always], tv(), local(SAO_PAULO, 2026, 12, 11, 22, 0))
    assert friday.valid_until == local(SAO_PAULO, 2026, 12, 14, 19, 0)


def test_across_spring_forward_a_window_follows_the_wall_clock() -> None:
    # New York, Sunday 2027-03-14: 02:00 EST becomes 03:00 EDT.
    night = item(1, windows=(window({7}, "02:30", "04:00"),))
    before = local(NEW_YORK, 2027, 3, 14, 1, 0)
    lineup = evaluate([night], tv(NEW_YORK), before)
    # 02:30 never happens: the clock reads 03:00 at the jump, inside the window.
    assert lineup.valid_until == datetime(2027, 3, 14, 7, 0, tzinfo=UTC)
    assert playing([night], tv(NEW_YORK), lineup.valid_until) == {1}
    after = evaluate([night], tv(NEW_YORK), lineup.valid_until)
    assert after.valid_until == local(NEW_YORK, 2027, 3, 14, 4, 0)
    # One hour of the window was never on a wall clock.
    assert after.valid_until - lineup.valid_until == timedelta(hours=1)


def test_across_fall_back_a_window_follows_the_wall_clock_twice() -> None:
    # Lisbon, Sunday 2027-10-31: 02:00 WEST becomes 01:00 WET.
    small_hours = item(1, windows=(window({7}, "01:30", "02:30"),))
    screen = tv(LISBON)
    first_opening = local(LISBON, 2027, 10, 31, 1, 30)
    lineup = evaluate([small_hours], screen, local(LISBON, 2027, 10, 31, 0, 0))
    assert lineup.valid_until == first_opening
    # At 02:00 WEST the wall clock goes back to 01:00, before 01:30: it closes...
    opened = evaluate([small_hours], screen, first_opening)
    jump = datetime(2027, 10, 31, 1, 0, tzinfo=UTC)
    assert opened.valid_until == jump
    # ...and opens again when the clock reads 01:30 the second time.
    closed = evaluate([small_hours], screen, jump)
    assert closed.valid_until == local(LISBON, 2027, 10, 31, 1, 30, fold=1)
    again = evaluate([small_hours], screen, closed.valid_until)
    assert again.valid_until == local(LISBON, 2027, 10, 31, 2, 30)


def test_windows_change_candidates_include_both_readings_of_a_repeated_hour() -> None:
    found = change_candidates(
        [window({7}, "01:30", "03:00")],
        LISBON,
        local(LISBON, 2027, 10, 30, 12, 0),
        local(LISBON, 2027, 10, 31, 12, 0),
    )
    assert local(LISBON, 2027, 10, 31, 1, 30) in found
    assert local(LISBON, 2027, 10, 31, 1, 30, fold=1) in found


def test_an_emergency_takes_the_tv_over_whatever_the_proportions() -> None:
    normal = [item(1), item(2, ItemKind.NOTICE), item(3, ItemKind.NEWS)]
    alarm = item(4, ItemKind.NOTICE, is_emergency=True)
    other_alarm = item(5, ItemKind.NOTICE, is_emergency=True, created_at=EPOCH)
    screen = tv(ratios=Ratios(notices=0, ads=3, news=1))
    now = local(SAO_PAULO, 2026, 12, 7, 12, 0)
    lineup = evaluate([*normal, alarm, other_alarm], screen, now)
    assert lineup.mode is Mode.EMERGENCY
    # Ordered by (created_at, id), once each.
    assert [e.id for e in lineup.cycle(screen.ratios)] == [5, 4]
    assert {(e.id, r) for e, r in lineup.out} == {
        (1, Reason.EMERGENCY),
        (2, Reason.EMERGENCY),
        (3, Reason.EMERGENCY),
    }


def test_an_emergency_for_another_tv_or_switched_off_leaves_the_loop_alone() -> None:
    now = local(SAO_PAULO, 2026, 12, 7, 12, 0)
    elsewhere = item(1, ItemKind.NOTICE, is_emergency=True, tv_ids=frozenset({99}))
    off = item(2, ItemKind.NOTICE, is_emergency=True, status=ContentStatus.INACTIVE)
    lineup = evaluate([elsewhere, off, item(3)], tv(), now)
    assert lineup.mode is Mode.NORMAL
    assert {e.id: r for e, r in lineup.out} == {
        1: Reason.OTHER_TV,
        2: Reason.INACTIVE,
    }


def test_an_emergency_ending_is_the_next_edge() -> None:
    now = local(SAO_PAULO, 2026, 12, 7, 12, 0)
    ends = now + timedelta(minutes=30)
    alarm = item(1, ItemKind.NOTICE, is_emergency=True, expires_at=ends)
    # Edges of what the emergency hides change nothing while it lasts.
    lunch = item(2, windows=(window(range(1, 8), "12:10", "12:20"),))
    lineup = evaluate([alarm, lunch], tv(), now)
    assert lineup.mode is Mode.EMERGENCY
    assert lineup.valid_until == ends


def test_each_reason_is_the_first_that_applies() -> None:
    now = local(SAO_PAULO, 2026, 12, 7, 12, 0)
    later = now + timedelta(days=1)
    items = [
        item(1, status=ContentStatus.PROCESSING),
        item(2, status=ContentStatus.ERROR),
        item(3, status=ContentStatus.INACTIVE),
        item(4, expires_at=now),
        item(5, status=ContentStatus.EXPIRED),
        # Another TV's, and scheduled too: it will never play here.
        item(6, tv_ids=frozenset({99}), starts_at=later),
        item(7, starts_at=later, windows=(window({1}, "13:00", "14:00"),)),
        item(8, windows=(window({1}, "13:00", "14:00"),)),
        item(9, ItemKind.NEWS),
        item(10, tv_ids=frozenset({TV_ID, 99})),
    ]
    lineup = evaluate(items, tv(ratios=Ratios(notices=1, ads=1, news=0)), now)
    assert {e.id: r.value for e, r in lineup.out} == {
        1: "processando",
        2: "erro",
        3: "inativo",
        4: "expirado",
        5: "expirado",
        6: "outra_tv",
        7: "agendado",
        8: "fora_do_horario",
        9: "proporcao_zero",
    }
    assert [e.id for e in lineup.groups[ItemKind.AD]] == [10]
    assert lineup.valid_until == local(SAO_PAULO, 2026, 12, 7, 13, 0)


def test_a_start_is_an_edge_and_a_far_one_is_found_past_the_weekly_scan() -> None:
    now = local(SAO_PAULO, 2026, 12, 7, 12, 0)
    far = now + timedelta(days=90)
    pending = item(1, starts_at=far)
    weekly = item(2, windows=(window({3}, "08:00", "09:00"),), starts_at=far)
    assert evaluate([pending], tv(), now).valid_until == far
    # Its window's edges before the start change nothing; the first after does.
    lineup = evaluate([weekly], tv(), now)
    assert lineup.valid_until is not None
    assert lineup.valid_until > far
    assert lineup.valid_until.astimezone(SAO_PAULO).time() == time(8, 0)


def test_nothing_due_is_none() -> None:
    now = local(SAO_PAULO, 2026, 12, 7, 12, 0)
    assert evaluate([item(1), item(2, ItemKind.NEWS)], tv(), now).valid_until is None
    # A category with no slots never plays: its windows are no edge.
    silent = item(3, windows=(window({1}, "13:00", "14:00"),))
    screen = tv(ratios=Ratios(notices=1, ads=0, news=1))
    assert evaluate([silent], screen, now).valid_until is None


def test_emergency_flag_on_an_anuncio_means_nothing() -> None:
    now = local(SAO_PAULO, 2026, 12, 7, 12, 0)
    odd = replace(item(1), is_emergency=True)
    assert evaluate([odd, item(2)], tv(), now).mode is Mode.NORMAL
