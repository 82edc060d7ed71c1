"""The ping's body, formatted directly, is what ``PingRead`` writes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from expotv.playlist.answers import ping_body
from expotv.playlist.schemas import PingRead


@given(
    st.one_of(st.text(alphabet="0123456789abcdef", min_size=1, max_size=64), st.text()),
    st.integers(min_value=1, max_value=86_400),
)
def test_the_ping_body_is_ping_reads_json(version: str, interval: int) -> None:
    model = PingRead(version=version, ping_interval_seconds=interval)
    assert ping_body(version, interval) == model.model_dump_json(by_alias=True).encode()
