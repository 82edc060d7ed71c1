"""The README's one "Security" section names real settings with their defaults.

An operator reads the README, not config.py: every ``EXPOTV_*`` named in the
section is a setting ``Settings`` reads, each default shown beside it in
parentheses is the one it has, and every abuse limit is listed.
"""

from __future__ import annotations

import re
from pathlib import Path

from expotv.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
# The settings that bound what one cheap request may cost: each must be listed.
LIMITS = {
    "max_body_bytes",
    "max_image_bytes",
    "max_video_bytes",
    "max_image_pixels",
    "max_animation_frames",
    "max_animation_pixels",
    "max_video_width",
    "max_video_height",
    "max_video_seconds",
    "media_conversion_timeout_seconds",
    "media_decode_threads",
    "login_max_failures_per_email",
    "login_max_failures_per_address",
    "login_failure_window_seconds",
    "register_max_per_address",
    "register_window_seconds",
    "tv_lookup_rate_per_minute",
    "ws_max_per_code",
    "ws_max_per_address",
    "ping_max_per_code_per_minute",
    "graphql_max_depth",
    "graphql_max_cost",
    "graphql_max_aliases",
    "graphql_max_batch",
    "feeds_max_bytes",
    "feeds_max_items_per_fetch",
    "feeds_max_items_per_source",
    "playlist_max_news",
    "trusted_proxies",
    "client_ip_header",
    "player_frame_ancestors",
    "metrics_token",
}
NAME = re.compile(r"`EXPOTV_([A-Z0-9_]+)`")
WITH_DEFAULT = re.compile(r"`EXPOTV_([A-Z0-9_]+)` \(([0-9][0-9,.]*)(?: (MiB|MB))?")
UNITS = {None: 1, "MB": 1024 * 1024, "MiB": 1024 * 1024}


def security_section() -> str:
    text = README.read_text()
    sections = re.findall(r"^## Security\n(.*?)(?=^## )", text, re.M | re.S)
    assert len(sections) == 1, "the README must have exactly one '## Security'"
    return str(sections[0])


def test_every_setting_named_is_one_settings_reads() -> None:
    named = {name.lower() for name in NAME.findall(security_section())}
    unknown = named - set(Settings.model_fields) - {"allow_registration"}
    assert unknown == set()
    assert "allow_registration" in Settings.model_fields


def test_every_limit_is_listed() -> None:
    named = {name.lower() for name in NAME.findall(security_section())}
    assert LIMITS - named == set()


def test_the_defaults_shown_are_the_defaults() -> None:
    shown = WITH_DEFAULT.findall(security_section())
    assert len(shown) >= 20
    wrong = {}
    for name, number, unit in shown:
        default = Settings.model_fields[name.lower()].default
        value = float(number.replace(",", "")) * UNITS[unit or None]
        if value != default:
            wrong[name] = (number, unit, default)
    assert wrong == {}
