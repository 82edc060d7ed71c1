from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from expotv.tvs.exceptions import InvalidRatios
from expotv.tvs.models import TV, TVStatus
from expotv.tvs.presence import NoPendingPings, Presence
from expotv.tvs.schemas import TVCreate, TVRatiosUpdate
from expotv.tvs.service import check_ratios, seconds_since

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PRESENCE = Presence(NoPendingPings(), offline_after_seconds=120)


def status_at(last_seen_at: datetime | None, now: datetime) -> TVStatus:
    tv = TV(code="ABC234", name="TV", condominium_id=1, last_seen_at=last_seen_at)
    return PRESENCE.status(tv, now, {})


def test_a_tv_never_seen_is_offline() -> None:
    assert status_at(None, NOW) is TVStatus.OFFLINE


def test_a_pending_ping_counts_like_a_written_one() -> None:
    tv = TV(id=7, code="ABC234", name="TV", condominium_id=1, last_seen_at=None)
    assert PRESENCE.status(tv, NOW, {7: NOW}) is TVStatus.ONLINE
    old = NOW - timedelta(seconds=121)
    assert PRESENCE.status(tv, NOW, {7: old}) is TVStatus.OFFLINE


@pytest.mark.parametrize(
    ("age_seconds", "expected"),
    [
        (0, TVStatus.ONLINE),
        (119, TVStatus.ONLINE),
        (120, TVStatus.ONLINE),
        (121, TVStatus.OFFLINE),
        (3600, TVStatus.OFFLINE),
        (-5, TVStatus.ONLINE),
    ],
)
def test_status_follows_the_offline_threshold(
    age_seconds: int, expected: TVStatus
) -> None:
    assert status_at(NOW - timedelta(seconds=age_seconds), NOW) is expected


def test_seconds_since_last_ping_is_a_whole_non_negative_number() -> None:
    assert seconds_since(None, NOW) is None
    assert seconds_since(NOW - timedelta(seconds=42.9), NOW) == 42
    assert seconds_since(NOW + timedelta(seconds=3), NOW) == 0


@given(
    st.integers(0, 100),
    st.integers(0, 100),
    st.integers(0, 100),
)
def test_ratios_in_range_are_valid_unless_all_zero(
    ads: int, notices: int, news: int
) -> None:
    TVRatiosUpdate.model_validate(
        {
            "proporcao_anuncios": ads,
            "proporcao_avisos": notices,
            "proporcao_noticias": news,
        }
    )
    if ads + notices + news == 0:
        with pytest.raises(InvalidRatios):
            check_ratios(ads, notices, news)
    else:
        check_ratios(ads, notices, news)


@pytest.mark.parametrize("value", [-1, 101, "5", 5.0, True, None, [5]])
def test_ratio_fields_refuse_out_of_range_and_wrong_types(value: object) -> None:
    with pytest.raises(ValidationError):
        TVRatiosUpdate.model_validate({"proporcao_avisos": value})
    with pytest.raises(ValidationError):
        TVCreate.model_validate(
            {"nome": "TV", "condominio_id": 1, "proporcao_avisos": value}
        )


def test_left_out_ratios_take_the_defaults() -> None:
    data = TVCreate.model_validate({"nome": "TV", "condominio_id": 1})
    assert (data.ad_ratio, data.notice_ratio, data.news_ratio) == (5, 1, 3)
