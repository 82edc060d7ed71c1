from __future__ import annotations

from collections import Counter

from expotv.tvs.codes import (
    ALPHABET,
    CODE_LENGTH,
    generate_code,
    is_well_formed,
    normalize_code,
)


def test_alphabet_is_upper_case_without_look_alikes() -> None:
    assert set(ALPHABET).isdisjoint("0O1IL")
    assert not any(char.islower() for char in ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET)
    assert set(ALPHABET) == set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")


def test_codes_have_six_characters_from_the_alphabet() -> None:
    for _ in range(500):
        code = generate_code()
        assert len(code) == CODE_LENGTH == 6
        assert set(code) <= set(ALPHABET)
        assert is_well_formed(code)


def test_codes_are_random_not_sequential() -> None:
    codes = [generate_code() for _ in range(2000)]
    # 31**6 possible codes: a repeat among 2000 is a one-in-a-few-hundred event,
    # so more than a couple means the draw is broken.
    assert len(set(codes)) >= 1998
    assert codes != sorted(codes)
    # Every character of the alphabet shows up in every position.
    for position in range(CODE_LENGTH):
        seen = Counter(code[position] for code in codes)
        assert set(seen) == set(ALPHABET)


def test_normalize_code_ignores_case_and_surrounding_spaces() -> None:
    assert normalize_code("abc234") == "ABC234"
    assert normalize_code("  aBc234\n") == "ABC234"
    assert normalize_code("ABC234") == "ABC234"


def test_is_well_formed_refuses_wrong_length_and_look_alikes() -> None:
    assert not is_well_formed("ABC23")
    assert not is_well_formed("ABC2345")
    assert not is_well_formed("ABC0O1")
    assert not is_well_formed("abc234")
