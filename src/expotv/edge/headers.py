"""Security headers, one policy per surface, set on every HTTP answer.

    surface   paths                 Content-Security-Policy
    API       everything else       default-src 'none'; frame-ancestors 'none'
    painel    any other HTML page   own origin only, no inline script, not framed
              (/painel, /login)
    player    /tv/                  own origin; media also from EXPOTV_PUBLIC_MEDIA_URL;
                                    framed by EXPOTV_PLAYER_FRAME_ANCESTORS ('self')
    docs      /docs*, /redoc        own origin, plus the hashes of the page's own
                                    inline scripts and the origins it loads from

Every answer also gets ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy:
no-referrer``. A header the route set itself is kept.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from starlette.types import Message

_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.S | re.I)
_ASSET_URL = re.compile(rb"""\s(?:src|href)=["'](https?://[^"'/]+)""", re.I)

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
COMMON_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
DOCS_PATHS = ("/docs", "/redoc")


def origin_of(url: str | None) -> str:
    """``https://cdn.example/media`` -> ``https://cdn.example`` (empty for None)."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _policy(directives: Iterable[tuple[str, str]]) -> str:
    return "; ".join(" ".join([name, *value.split()]) for name, value in directives)


def painel_policy(media_origin: str) -> str:
    return _policy(
        [
            ("default-src", "'self'"),
            ("script-src", "'self'"),
            ("style-src", "'self'"),
            ("img-src", f"'self' data: {media_origin}"),
            ("media-src", f"'self' {media_origin}"),
            ("connect-src", "'self'"),
            # The dashboard previews a TV's player in a frame.
            ("frame-src", "'self'"),
            ("object-src", "'none'"),
            ("base-uri", "'none'"),
            ("form-action", "'self'"),
            ("frame-ancestors", "'none'"),
        ]
    )


def player_policy(media_origin: str, frame_ancestors: str) -> str:
    return _policy(
        [
            ("default-src", "'self'"),
            ("script-src", "'self'"),
            ("style-src", "'self'"),
            # Notícias show the picture of the feed's own site (any https host).
            ("img-src", f"'self' data: https: {media_origin}"),
            ("media-src", f"'self' {media_origin}"),
            ("connect-src", "'self'"),
            ("object-src", "'none'"),
            ("base-uri", "'none'"),
            ("form-action", "'none'"),
            ("frame-ancestors", frame_ancestors),
        ]
    )


def inline_script_hashes(html: bytes) -> str:
    """CSP sources allowing exactly the inline scripts ``html`` carries."""
    return " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
        for body in _INLINE_SCRIPT.findall(html)
    )


def docs_policy(html: bytes) -> str:
    """The policy of a documentation page: what the page itself loads, no more."""
    hashes = inline_script_hashes(html)
    origins = " ".join(sorted({m.decode("latin-1") for m in _ASSET_URL.findall(html)}))
    return _policy(
        [
            ("default-src", "'self'"),
            ("script-src", f"'self' {hashes} {origins}"),
            # Swagger UI and ReDoc both write <style> elements at run time.
            ("style-src", f"'self' 'unsafe-inline' {origins}"),
            ("img-src", f"'self' data: {origins}"),
            ("font-src", f"'self' data: {origins}"),
            ("worker-src", "'self' blob:"),
            ("connect-src", "'self'"),
            ("object-src", "'none'"),
            ("base-uri", "'none'"),
            ("frame-ancestors", "'none'"),
        ]
    )


# A policy that depends on the page's own HTML (the first body chunk).
PagePolicy = Callable[[bytes], str]


class SecurityHeaders:
    def __init__(self, *, media_url: str | None, player_frame_ancestors: str) -> None:
        media_origin = origin_of(media_url)
        self.painel = painel_policy(media_origin).encode()
        self.player = player_policy(media_origin, player_frame_ancestors).encode()

    def policy_for(self, path: str, content_type: bytes) -> bytes | PagePolicy:
        if path.startswith("/tv/"):
            return self.player
        if path in DOCS_PATHS or path.startswith("/docs/"):
            return docs_policy
        if content_type.startswith(b"text/html"):
            # The dashboard's pages, its sign-in form (/login) and any other page.
            return self.painel
        return API_POLICY.encode()

    @staticmethod
    def add(message: Message, policy: bytes) -> Message:
        """``message`` (an ``http.response.start``) with the headers it lacks."""
        headers = list(message.get("headers", []))
        present = {name.lower() for name, _ in headers}
        wanted = (*COMMON_HEADERS, (b"content-security-policy", policy))
        headers.extend(item for item in wanted if item[0] not in present)
        return {**message, "headers": headers}
