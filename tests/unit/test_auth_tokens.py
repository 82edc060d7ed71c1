from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import jwt
import pytest

from expotv.auth import tokens
from expotv.config import Environment, Settings
from expotv.db import utcnow

SECRET = "unit-test-secret-" + "k" * 64


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        environment=Environment.TEST,
        data_dir=tmp_path,
        jwt_secret=SECRET,
    )


def issue(
    settings: Settings,
    token_type: tokens.TokenType = tokens.TokenType.ACCESS,
    lifetime: timedelta = timedelta(hours=1),
) -> str:
    return tokens.encode(
        settings,
        token_type=token_type,
        user_id=42,
        session_id="s" * 32,
        now=utcnow(),
        lifetime=lifetime,
    )


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_valid_access_token_decodes_to_its_claims(settings: Settings) -> None:
    claims = tokens.decode(settings, issue(settings), expected=tokens.TokenType.ACCESS)
    assert claims.user_id == 42
    assert claims.session_id == "s" * 32
    assert claims.token_type is tokens.TokenType.ACCESS


def test_alg_none_is_rejected(settings: Settings) -> None:
    good = jwt.decode(issue(settings), options={"verify_signature": False})
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(good)}."
    with pytest.raises(tokens.InvalidToken):
        tokens.decode(settings, unsigned, expected=tokens.TokenType.ACCESS)


def test_another_algorithm_with_the_same_key_is_rejected(settings: Settings) -> None:
    payload = jwt.decode(issue(settings), options={"verify_signature": False})
    other = jwt.encode(payload, SECRET, algorithm="HS512")
    with pytest.raises(tokens.InvalidToken):
        tokens.decode(settings, other, expected=tokens.TokenType.ACCESS)


def test_a_tampered_payload_is_rejected(settings: Settings) -> None:
    header, payload, signature = issue(settings).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "1"
    forged = f"{header}.{_b64(claims)}.{signature}"
    with pytest.raises(tokens.InvalidToken):
        tokens.decode(settings, forged, expected=tokens.TokenType.ACCESS)


def test_a_token_signed_with_another_key_is_rejected(settings: Settings) -> None:
    payload = jwt.decode(issue(settings), options={"verify_signature": False})
    other = jwt.encode(payload, "another-secret-" + "z" * 32, algorithm="HS256")
    with pytest.raises(tokens.InvalidToken):
        tokens.decode(settings, other, expected=tokens.TokenType.ACCESS)


def test_an_expired_token_is_rejected(settings: Settings) -> None:
    expired = issue(settings, lifetime=timedelta(seconds=-1))
    with pytest.raises(tokens.InvalidToken):
        tokens.decode(settings, expired, expected=tokens.TokenType.ACCESS)


def test_a_refresh_token_is_not_an_access_token(settings: Settings) -> None:
    refresh = issue(settings, tokens.TokenType.REFRESH)
    with pytest.raises(tokens.InvalidToken):
        tokens.decode(settings, refresh, expected=tokens.TokenType.ACCESS)
    claims = tokens.decode(settings, refresh, expected=tokens.TokenType.REFRESH)
    assert claims.token_type is tokens.TokenType.REFRESH


def test_an_access_token_is_not_a_refresh_token(settings: Settings) -> None:
    with pytest.raises(tokens.InvalidToken):
        tokens.decode(settings, issue(settings), expected=tokens.TokenType.REFRESH)


@pytest.mark.parametrize("missing", ["sub", "sid", "jti", "typ", "exp", "iat"])
def test_a_token_missing_a_claim_is_rejected(settings: Settings, missing: str) -> None:
    payload = jwt.decode(issue(settings), options={"verify_signature": False})
    del payload[missing]
    token = jwt.encode(payload, SECRET, algorithm="HS256")
    with pytest.raises(tokens.InvalidToken):
        tokens.decode(settings, token, expected=tokens.TokenType.ACCESS)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "é.é.é"])
def test_garbage_is_rejected(settings: Settings, garbage: str) -> None:
    with pytest.raises(tokens.InvalidToken):
        tokens.decode(settings, garbage, expected=tokens.TokenType.ACCESS)


def test_a_token_checked_before_is_refused_once_it_expires(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = issue(settings, lifetime=timedelta(minutes=5))
    claims = tokens.decode(settings, token, expected=tokens.TokenType.ACCESS)
    later = claims.expires_at.timestamp() + 1
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    with pytest.raises(tokens.InvalidToken):
        tokens.decode(settings, token, expected=tokens.TokenType.ACCESS)
