"""What plays on one TV at one instant, why the rest doesn't, and until when.

    evaluate(items, tv, now) -> Lineup(mode, groups, valid_until, out)

Pure (no session, no clock): ``items`` are the anúncios, avisos and notícias that
target the TV's condomínio (any status), ``tv`` carries its id, proportions and
time zone. The contract's rule, item by item, first reason wins:

    status shown (``expotv.content``)  expirado / inativo / processando / erro
    tvs_ids names other TVs            outra_tv
    data_inicio ahead                  agendado
    outside every weekly window        fora_do_horario   (the TV's wall clock)

then for the TV as a whole: while any emergency aviso passes all of the above the
playlist is those avisos alone (``emergencia`` for everything else, proportions
aside); otherwise a category whose proportion is 0 does not play
(``proporcao_zero``) and the rest is interleaved (``builder.interleave``).

``valid_until`` is the next instant at which the set of playing items changes: the
first start, expiry or window edge (``windows.change_candidates``) at which it
differs from now. Between starts and expiries windows repeat every week, so when a
scan of ``_HORIZON`` (two weeks: each weekday twice, whatever a DST change skips
once) finds no change, nothing changes before the next start or expiry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from expotv.content import ContentStatus, is_pending, scheduled_status_at
from expotv.playlist.builder import (
    CYCLE_ORDER,
    ItemKind,
    Lineup,
    Mode,
    PlaylistItem,
    Ratios,
    Reason,
    TVInfo,
)
from expotv.windows import change_candidates, is_open

_HORIZON = timedelta(days=15)
_SPAN = timedelta(days=2)

_STATUS_REASONS = {
    ContentStatus.EXPIRED: Reason.EXPIRED,
    ContentStatus.INACTIVE: Reason.INACTIVE,
    ContentStatus.PROCESSING: Reason.PROCESSING,
    ContentStatus.ERROR: Reason.ERROR,
}
# Reasons that time alone never lifts.
_FOR_GOOD = frozenset({*_STATUS_REASONS.values(), Reason.OTHER_TV})

Key = tuple[ItemKind, int]


def own_reason(item: PlaylistItem, tv: TVInfo, now: datetime) -> Reason | None:
    """Why ``item`` on its own does not play on ``tv`` at ``now`` (None: it may)."""
    shown = scheduled_status_at(item, now)
    if shown in _STATUS_REASONS:
        return _STATUS_REASONS[shown]
    if item.status is not ContentStatus.ACTIVE:
        # Only "ativo" plays ("agendado" is shown, never stored).
        return Reason.INACTIVE
    if item.tv_ids and tv.id not in item.tv_ids:
        return Reason.OTHER_TV
    if is_pending(item, now):
        return Reason.SCHEDULED
    if item.windows and not is_open(item.windows, now.astimezone(tv.zone)):
        return Reason.OFF_HOURS
    return None


def _is_emergency(item: PlaylistItem) -> bool:
    return item.kind is ItemKind.NOTICE and item.is_emergency


def _ordered(items: Iterable[PlaylistItem]) -> list[PlaylistItem]:
    return sorted(items, key=lambda item: (item.created_at, item.id))


def _lineup(
    candidates: Sequence[PlaylistItem], ratios: Ratios
) -> tuple[Mode, dict[ItemKind, list[PlaylistItem]]]:
    """What plays, from the items that may play on their own (already ordered)."""
    emergencies = [
        i for i in candidates if i.kind is ItemKind.NOTICE and i.is_emergency
    ]
    if emergencies:
        return Mode.EMERGENCY, {ItemKind.NOTICE: emergencies}
    groups: dict[ItemKind, list[PlaylistItem]] = {kind: [] for kind in CYCLE_ORDER}
    for item in candidates:
        if ratios.of(item.kind) > 0:
            groups[item.kind].append(item)
    return Mode.NORMAL, groups


def _playing(groups: dict[ItemKind, list[PlaylistItem]]) -> frozenset[Key]:
    return frozenset(item.key for group in groups.values() for item in group)


def _timely(item: PlaylistItem, instant: datetime, local: datetime) -> bool:
    """``own_reason`` of an item time may change (ativo, on this TV): None?"""
    return (
        (item.expires_at is None or item.expires_at > instant)
        and (item.starts_at is None or item.starts_at <= instant)
        and is_open(item.windows, local)
    )


def _playing_at(
    emergencies: Sequence[PlaylistItem],
    others: Sequence[PlaylistItem],
    tv: TVInfo,
    instant: datetime,
) -> frozenset[Key]:
    """The playing set at ``instant`` (``_lineup``'s, on the items time changes)."""
    local = instant.astimezone(tv.zone)
    on = frozenset(i.key for i in emergencies if _timely(i, instant, local))
    if on:
        return on
    return frozenset(i.key for i in others if _timely(i, instant, local))


def next_change(
    items: Sequence[PlaylistItem], tv: TVInfo, now: datetime
) -> datetime | None:
    """The first instant after ``now`` at which the playing set differs, or None.

    ``items`` are those time may change (``own_reason`` None, agendado or
    fora_do_horario at ``now``): the others never play.
    """
    emergencies = [i for i in items if _is_emergency(i)]
    # A category the TV gives no slot never plays, unless as an emergency.
    others = [i for i in items if not _is_emergency(i) and tv.ratios.of(i.kind) > 0]
    relevant = [*emergencies, *others]
    playing = _playing_at(emergencies, others, tv, now)
    fixed = sorted(
        {
            moment
            for item in relevant
            for moment in (item.starts_at, item.expires_at)
            if moment is not None and moment > now
        }
    )
    windows = [w for item in relevant for w in item.windows]
    cursor = now
    for moment in [*fixed, None]:
        horizon = cursor + _HORIZON
        limit = horizon if moment is None else min(horizon, moment)
        # A few days at a time: the first change is usually in the first.
        span_start = cursor
        while windows and span_start < limit:
            span_end = min(span_start + _SPAN, limit)
            for instant in sorted(
                change_candidates(windows, tv.zone, span_start, span_end)
            ):
                if instant == moment:
                    continue
                if _playing_at(emergencies, others, tv, instant) != playing:
                    return instant
            span_start = span_end
        # No window changed anything for two weeks: nothing will until the next
        # start or expiry.
        if moment is None:
            return None
        if _playing_at(emergencies, others, tv, moment) != playing:
            return moment
        cursor = moment
    return None  # pragma: no cover - the loop returns at ``None``


def evaluate(items: Iterable[PlaylistItem], tv: TVInfo, now: datetime) -> Lineup:
    """The TV's lineup at ``now``: see the module's docstring."""
    ordered = _ordered(items)
    reasons = {item.key: own_reason(item, tv, now) for item in ordered}
    candidates = [item for item in ordered if reasons[item.key] is None]
    mode, groups = _lineup(candidates, tv.ratios)
    playing = _playing(groups)
    out: list[tuple[PlaylistItem, Reason]] = []
    for item in ordered:
        if item.key in playing:
            continue
        reason = reasons[item.key]
        if reason is None:
            reason = Reason.EMERGENCY if mode is Mode.EMERGENCY else Reason.RATIO_ZERO
        out.append((item, reason))
    changing = [item for item in ordered if reasons[item.key] not in _FOR_GOOD]
    return Lineup(
        mode=mode,
        groups=groups,
        valid_until=next_change(changing, tv, now),
        out=out,
    )


def build_cycle(
    items: Iterable[PlaylistItem], tv: TVInfo, now: datetime
) -> list[PlaylistItem]:
    """One loop of ``tv``'s playlist at ``now``: every playing item at least once."""
    return evaluate(items, tv, now).cycle(tv.ratios)
