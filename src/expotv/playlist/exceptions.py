from __future__ import annotations

from expotv.errors import RateLimited, Unavailable

RETRY_AFTER_SECONDS = 15


class PlaylistUnavailable(Unavailable, code="playlist_unavailable"):
    """The database is unreachable and this process has no copy of the playlist."""

    detail = "conteúdo temporariamente indisponível; tente novamente em instantes"
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}


class TVLookupRateLimited(RateLimited, code="tv_lookup_rate_limited"):
    detail = "muitas consultas a códigos de TV inexistentes; tente novamente mais tarde"
