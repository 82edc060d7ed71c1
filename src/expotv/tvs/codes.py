"""TV codes: what a person types on a TV's remote to pair it.

Six characters from an alphabet without look-alikes (no 0/O, 1/I/L), drawn with
``secrets`` so codes are neither sequential nor guessable from one another. Codes
are stored upper-case and compared after ``normalize_code``.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def generate_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    """The stored form of a code typed in any case, with stray spaces."""
    return code.strip().upper()


def is_well_formed(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(char in ALPHABET for char in code)
