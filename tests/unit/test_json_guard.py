import pytest

from expotv.json_guard import has_lone_surrogate


@pytest.mark.parametrize(
    "body",
    [b'{"nome": "\\ud800"}', b'{"a": "x\\uDC00y"}', b'["\\udbff"]'],
)
def test_lone_surrogate_escapes_are_detected(body: bytes) -> None:
    assert has_lone_surrogate(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"nome": "\\ud83d\\ude00"}',  # a valid pair (an emoji)
        b'{"nome": "S\\u00e3o Paulo"}',
        '{"nome": "Jo\u00e3o \U0001f600"}'.encode(),
    ],
)
def test_valid_text_passes(body: bytes) -> None:
    assert not has_lone_surrogate(body)
