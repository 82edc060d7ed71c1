"""Every cache key, built here and nowhere else (all under ``expotv:``)."""

from __future__ import annotations

import hashlib

PREFIX = "expotv"

# Families whose entries another instance may delete (invalidate). While Redis is
# down such deletes are missed, so local stand-ins of these must not live long.
INVALIDATED_FAMILIES = frozenset(
    {"playlist", "tv-unknown", "auth-session", "auth-user", "list-gen"}
)


def playlist(code: str) -> str:
    return f"{PREFIX}:playlist:{code.upper()}"


def playlist_head(code: str) -> str:
    """A playlist's head line (``store.head``): read on every hit instead of the
    whole entry, which is fetched only by a process that lacks those bytes."""
    return f"{PREFIX}:playlist-head:{code.upper()}"


def playlist_tail(tail_id: str) -> str:
    """The part of playlist bodies shared by the TVs that play the same
    (``store.Tail``), by its hash: never changed, never invalidated, only expired."""
    return f"{PREFIX}:playlist-tail:{tail_id}"


def unknown_tv(code: str) -> str:
    return f"{PREFIX}:tv-unknown:{code.upper()}"


def auth_session(session_id: str) -> str:
    """A login session found alive, with its user (``expotv.auth.sessions``)."""
    return f"{PREFIX}:auth-session:{session_id}"


def auth_user_generation(user_id: int) -> str:
    """The generation a user's cached sessions must carry to be trusted."""
    return f"{PREFIX}:auth-user:{user_id}"


def list_generation(kind: str) -> str:
    """The token the cached list pages of a kind must carry (``items.pages``)."""
    return f"{PREFIX}:list-gen:{kind}"


def list_channel() -> str:
    """Pub/sub channel of "these kinds' list pages changed"."""
    return f"{PREFIX}:channel:list-pages"


def tv_lookup_block(address: str) -> str:
    """An address refused TV-code lookups (value: the epoch second it ends)."""
    return f"{PREFIX}:tv-blocked:{address}"


def tv_playing(address: str, code: str) -> str:
    """A TV code this address plays (value: the epoch second it last succeeded)."""
    return f"{PREFIX}:tv-playing:{address}:{code.upper()}"


def playlist_edges() -> str:
    """Sorted set: TV code -> when its cached playlist changes by itself."""
    return f"{PREFIX}:playlist-edges"


def rate_limit_prefix() -> str:
    """Where the rate limiter's counters live (``limits`` appends the rest)."""
    return f"{PREFIX}:rate"


def email_subject(email: str) -> str:
    """A login e-mail as a rate-limit subject (hashed: no address in Redis)."""
    return "email:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def address_subject(address: str) -> str:
    return f"addr:{address}"


def ping_count_prefix() -> str:
    """Where each TV code's recent pings are counted (the code follows:
    ``tvs.ping_limit``)."""
    return f"{PREFIX}:ping-count:"


def tv_pings() -> str:
    """Sorted set of the pings not written yet (every instance's)."""
    return f"{PREFIX}:tv-pings"


def job_lock(name: str) -> str:
    return f"{PREFIX}:lock:job:{name}"


def job_last_run(name: str) -> str:
    """The period slot of a job's last run, shared by every instance."""
    return f"{PREFIX}:job-last:{name}"


def tv_content_channel() -> str:
    """Pub/sub channel of "these TVs' content changed" nudges."""
    return f"{PREFIX}:channel:tv-content"
