"""Fetching and reading RSS/Atom feeds, with no database in sight.

    check_url / resolve_public   may this URL be fetched? (scheme, then every address
                                 its host resolves to; private ranges refused unless
                                 ``feeds_allow_private``)
    fetch                        conditional GET, redirects re-checked hop by hop,
                                 connection pinned to the checked address, size cap
    parse                        feedparser on the bytes (cut after its first
                                 ``MAX_ENTRIES_READ`` entries) -> the newest
                                 ``max_items`` ``ParsedEntry``
    plain_text                   feed HTML reduced to safe plain text

Every failure a feed can cause is a ``FeedError`` whose message is short pt-BR
text, stored as the source's ``ultimo_erro``.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import ipaddress
import re
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import httpx

from expotv.config import Settings

MAX_REDIRECTS = 5
MAX_URL_LENGTH = 1024
TITLE_MAX_CHARS = 300
SUMMARY_MAX_CHARS = 500
# feedparser reads a whole document (9.8 s for the 120,000 entries 5 MB can hold):
# it gets at most this many, in document order (feeds list their newest first),
# about 0.1 s of work; the newest of those are taken.
MAX_ENTRIES_READ = 1000
# Where the end tag of a feed's last entry is looked for (what follows it closes
# the document).
_TAIL_WINDOW_BYTES = 64 * 1024
_ENTRY_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)(?=[\s/>])")
_ENTRY_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>")
# A connect/read timeout does not stop a server that trickles one byte at a time;
# this bounds a whole fetch (every hop) in multiples of the per-operation timeout.
TOTAL_TIMEOUT_FACTOR = 3
USER_AGENT = "EXPO-TV/1.0 (news collector)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# (host, port) -> addresses as strings, in the resolver's order.
Resolver = Callable[[str, int], Awaitable[list[str]]]


class FeedError(Exception):
    """A feed could not be fetched or read; ``str(error)`` is pt-BR, for people."""


class AddressNotAllowed(FeedError):
    pass


class ResolutionFailed(FeedError):
    pass


# --- addresses ---------------------------------------------------------------


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def is_public_address(address: str) -> bool:
    """True for an address on the public internet (the only kind fetched by default).

    Loopback, private, link-local, multicast, reserved, unspecified and shared
    (CGNAT) ranges are refused, also when wrapped in IPv6 (``::ffff:127.0.0.1``).
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None and not is_public_address(str(embedded)):
            return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_url(url: str) -> httpx.URL:
    """The URL parsed, if its form may be fetched (http(s), a host, no credentials)."""
    if len(url) > MAX_URL_LENGTH:
        raise FeedError(f"URL longa demais (máximo {MAX_URL_LENGTH} caracteres)")
    if any(ch.isspace() for ch in url):
        raise FeedError("URL inválida")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise FeedError("a URL deve começar com http:// ou https://")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise FeedError("URL inválida") from None
    if not parsed.host:
        raise FeedError("a URL não tem um endereço de servidor")
    if parsed.userinfo:
        raise FeedError("a URL não pode conter usuário e senha")
    return parsed


async def resolve_public(
    url: httpx.URL,
    *,
    allow_private: bool,
    resolver: Resolver | None = None,
    timeout_seconds: float = 10.0,
) -> list[str]:
    """Addresses to connect to for ``url``; refuses any non-public one.

    The literal host is checked first; then every address the name resolves to,
    so a name pointing at ``127.0.0.1`` (or a decimal form such as ``2130706433``)
    is refused as well. One bad address refuses the host: a name that mixes
    public and private answers is a rebinding attempt, not a mirror.
    """
    host = url.host
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        literal: str | None = str(ipaddress.ip_address(host))
    except ValueError:
        literal = None
    if literal is not None:
        if not allow_private and not is_public_address(literal):
            raise AddressNotAllowed(
                "endereço não permitido: rede local, privada ou reservada"
            )
        return [literal]
    try:
        async with asyncio.timeout(timeout_seconds):
            addresses = await (resolver or system_resolver)(
                url.raw_host.decode("ascii"), port
            )
    except (OSError, TimeoutError, UnicodeError):
        raise ResolutionFailed(
            f"não foi possível resolver o endereço {host!r}"
        ) from None
    if not addresses:
        raise ResolutionFailed(f"não foi possível resolver o endereço {host!r}")
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
                raise AddressNotAllowed(
                    f"o endereço {host!r} aponta para uma rede local, privada "
                    "ou reservada"
                )
    return addresses


# --- fetching ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FetchResult:
    """``content`` is None when the server answered 304 (nothing new)."""

    content: bytes | None
    etag: str | None = None
    last_modified: str | None = None
    # The Content-Type header, whose charset feedparser honours.
    content_type: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.content is None


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle takes a noticeable fraction of a second: do it once.
    return httpx.create_ssl_context()


def create_http_client(settings: Settings) -> httpx.AsyncClient:
    """The client feeds are fetched with: no env proxies, redirects handled here."""
    return httpx.AsyncClient(
        verify=_tls_context(),
        timeout=httpx.Timeout(settings.feeds_timeout_seconds),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
    )


def _pinned(
    url: httpx.URL, address: str
) -> tuple[httpx.URL, dict[str, str], dict[str, Any]]:
    """The request for ``url`` sent to ``address``, with the name kept for the
    server (Host header) and for TLS (SNI and certificate check).

    Connecting to the address that was checked, rather than letting the client
    resolve the name again, is what defeats DNS rebinding between check and use.
    """
    target = url.copy_with(host=address)
    headers = {"Host": url.netloc.decode("ascii")}
    extensions: dict[str, Any] = {}
    if url.scheme == "https":
        extensions["sni_hostname"] = url.raw_host.decode("ascii")
    return target, headers, extensions


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    too_big = FeedError(f"feed maior que o limite de {max_bytes} bytes")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    # Decoded bytes are counted, so a small gzip bomb is stopped too.
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


async def _request_once(
    http: httpx.AsyncClient,
    url: httpx.URL,
    addresses: list[str],
    *,
    pin: bool,
    headers: Mapping[str, str],
    settings: Settings,
) -> FetchResult | httpx.URL:
    """One hop: a result, or the next URL to follow."""
    # A name may have several addresses; a refused connection tries the next.
    targets: Iterable[str | None] = addresses[:3] if pin else [None]
    last_error: httpx.ConnectError | None = None
    for address in targets:
        target: httpx.URL = url
        extra_headers: dict[str, str] = {}
        extensions: dict[str, Any] = {}
        if address is not None:
            target, extra_headers, extensions = _pinned(url, address)
        request = http.build_request(
            "GET",
            target,
            headers={**headers, **extra_headers},
            extensions=extensions,
            timeout=httpx.Timeout(settings.feeds_timeout_seconds),
        )
        try:
            response = await http.send(request, stream=True, follow_redirects=False)
        except httpx.ConnectError as exc:
            last_error = exc
            continue
        try:
            return await _handle_response(response, url, settings=settings)
        finally:
            await response.aclose()
    raise FeedError("falha de conexão com o servidor do feed") from last_error


async def _handle_response(
    response: httpx.Response, url: httpx.URL, *, settings: Settings
) -> FetchResult | httpx.URL:
    status = response.status_code
    if status in _REDIRECT_STATUSES:
        location = response.headers.get("Location")
        if not location:
            raise FeedError(f"redirecionamento HTTP {status} sem destino")
        try:
            return url.join(location)
        except httpx.InvalidURL:
            raise FeedError("redirecionamento para uma URL inválida") from None
    if status == 304:
        return FetchResult(content=None)
    if not 200 <= status < 300 or status == 204:
        raise FeedError(f"o servidor respondeu HTTP {status}")
    content = await _read_capped(response, settings.feeds_max_bytes)
    return FetchResult(
        content=content,
        etag=_header(response, "ETag", 255),
        content_type=_header(response, "Content-Type", 255),
        last_modified=_header(response, "Last-Modified", 64),
    )


def _header(response: httpx.Response, name: str, max_length: int) -> str | None:
    value = response.headers.get(name)
    if not value or len(value) > max_length:
        return None
    return str(value)


async def fetch(
    url: str,
    *,
    settings: Settings,
    http: httpx.AsyncClient,
    etag: str | None = None,
    last_modified: str | None = None,
    resolver: Resolver | None = None,
) -> FetchResult:
    """GET a feed, re-checking every redirect hop; raise ``FeedError`` on failure."""
    # "close": a connection pinned to an address must not be reused for another
    # name served from that address (its TLS session names the first one).
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Connection": "close"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with asyncio.timeout(
            settings.feeds_timeout_seconds * TOTAL_TIMEOUT_FACTOR
        ):
            current = url
            for _hop in range(MAX_REDIRECTS + 1):
                parsed = check_url(current)
                addresses = await resolve_public(
                    parsed,
                    allow_private=settings.feeds_allow_private,
                    resolver=resolver,
                    timeout_seconds=settings.feeds_timeout_seconds,
                )
                outcome = await _request_once(
                    http,
                    parsed,
                    addresses,
                    # Private feeds allowed: nothing to protect, so let the client
                    # resolve and connect as usual.
                    pin=not settings.feeds_allow_private,
                    headers=headers,
                    settings=settings,
                )
                if isinstance(outcome, FetchResult):
                    return outcome
                current = str(outcome)
            raise FeedError("redirecionamentos demais")
    except FeedError:
        raise
    except (httpx.TimeoutException, TimeoutError):
        raise FeedError("tempo esgotado ao buscar o feed") from None
    except httpx.ConnectError:
        raise FeedError("falha de conexão com o servidor do feed") from None
    except httpx.HTTPError:
        raise FeedError("falha ao baixar o feed") from None


# --- parsing -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    guid_hash: str
    title: str
    summary: str
    link: str | None
    image_url: str | None
    published_at: datetime


class _TextExtractor(HTMLParser):
    """Text of an HTML fragment, minus whatever is never meant to be read."""

    _SKIPPED = frozenset({"script", "style", "noscript", "template", "iframe"})
    _BREAKS = frozenset(
        {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.first_image: str | None = None
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skip_depth += 1
        elif tag in self._BREAKS:
            self.parts.append(" ")
        elif tag == "img" and self.first_image is None:
            src = dict(attrs).get("src")
            if src:
                self.first_image = src

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <script/> opens nothing: only count tags that have an end.
        if tag in self._SKIPPED:
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


_WHITESPACE = re.compile(r"\s+")
_LOOKS_LIKE_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!]")


def _extract(fragment: str) -> _TextExtractor:
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    return parser


def plain_text(fragment: str | None) -> str:
    """Safe plain text from feed HTML: no tags, no script/style text, entities
    decoded, whitespace collapsed.

    Markup that was escaped once more (``&lt;script&gt;``) would come back as tags
    after decoding, so a second pass strips that too.
    """
    if not fragment:
        return ""
    text = "".join(_extract(fragment).parts)
    if _LOOKS_LIKE_MARKUP.search(text):
        text = "".join(_extract(text).parts)
    return _WHITESPACE.sub(" ", text).strip()


def truncate_words(text: str, max_chars: int) -> str:
    """``text`` cut at a word boundary to at most ``max_chars``, ``…`` included."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    space = cut.rfind(" ")
    if space > max_chars // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def http_url(value: Any) -> str | None:
    """``value`` if it is an absolute http(s) URL that fits the column, else None."""
    if not isinstance(value, str):
        return None
    url: str = value.strip()
    if not url or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def _entry_image(entry: Mapping[str, Any], content_html: str) -> str | None:
    for media in entry.get("media_content") or []:
        medium = (media.get("medium") or "").lower()
        kind = (media.get("type") or "").lower()
        if medium == "image" or kind.startswith("image/") or not (medium or kind):
            url = http_url(media.get("url"))
            if url:
                return url
    for thumb in entry.get("media_thumbnail") or []:
        url = http_url(thumb.get("url"))
        if url:
            return url
    for enclosure in entry.get("enclosures") or []:
        if (enclosure.get("type") or "").lower().startswith("image/"):
            url = http_url(enclosure.get("href") or enclosure.get("url"))
            if url:
                return url
    if content_html:
        return http_url(_extract(content_html).first_image)
    return None


def _entry_published(entry: Mapping[str, Any], now: datetime) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                year, month, day, hour, minute, second = tuple(parsed)[:6]
                moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError):
                continue
            # A date in the future would keep the item alive past its age limit.
            return min(moment, now)
    return now


def _entry_content_html(entry: Mapping[str, Any]) -> str:
    for content in entry.get("content") or []:
        value = content.get("value")
        if value:
            return str(value)
    return ""


def guid_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _entry(entry: Mapping[str, Any], now: datetime) -> ParsedEntry | None:
    content_html = _entry_content_html(entry)
    summary = plain_text(entry.get("summary") or content_html)
    title = plain_text(entry.get("title"))
    if not title:
        title = summary
    if not title:
        return None
    link = http_url(entry.get("link"))
    key = (entry.get("id") or "").strip() or link or title
    return ParsedEntry(
        guid_hash=guid_hash(key),
        title=truncate_words(title, TITLE_MAX_CHARS),
        summary=truncate_words(summary, SUMMARY_MAX_CHARS),
        link=link,
        image_url=_entry_image(entry, content_html or entry.get("summary") or ""),
        published_at=_entry_published(entry, now),
    )


def parse(
    content: bytes,
    *,
    now: datetime,
    max_items: int,
    content_type: str | None = None,
) -> list[ParsedEntry]:
    """The feed's ``max_items`` newest entries (by publication date, a missing one
    counting as ``now``), each once (first occurrence wins), newest first.

    Raises ``FeedError`` for what is not a feed: malformed XML ("bozo") that
    yielded no usable entry, or a document feedparser does not know as RSS/Atom.
    A valid feed with no entries is an empty list.
    """
    # Bytes, never str: feedparser would take a str for a URL or a file name.
    headers = {"content-type": content_type} if content_type else None
    readable = first_entries(content, max(MAX_ENTRIES_READ, max_items))
    # Imported here: only the process that runs the feed job pays its memory.
    import feedparser

    document = feedparser.parse(readable, response_headers=headers)
    seen: set[str] = set()
    result: list[ParsedEntry] = []
    for raw in document.get("entries") or []:
        entry = _entry(raw, now)
        if entry is None or entry.guid_hash in seen:
            continue
        seen.add(entry.guid_hash)
        result.append(entry)
    if not result and (document.get("bozo") or not document.get("version")):
        raise FeedError("o conteúdo não é um feed RSS/Atom válido")
    # Stable: entries of one date keep the feed's order.
    result.sort(key=lambda entry: entry.published_at, reverse=True)
    return result[:max_items]


def first_entries(content: bytes, keep: int) -> bytes:
    """``content`` without the entries (RSS ``item``, Atom ``entry``) after the
    first ``keep``: cut where the next one starts and closed with whatever
    followed the last one (the end tags of its parents), so feedparser reads a
    well-formed document no longer than it needs to.

    Found by pattern, not by parsing (that is the cost being avoided): a feed odd
    enough to fool it is cut without the tail, which feedparser's lenient parser
    still reads, at twice the (bounded) cost.
    """
    for index, match in enumerate(_ENTRY_START.finditer(content)):
        if index == keep:
            cut = match.start()
            break
    else:
        return content
    window = max(cut, len(content) - _TAIL_WINDOW_BYTES)
    ends = [match.end() for match in _ENTRY_END.finditer(content, window)]
    if not ends:
        return content[:cut]
    return content[:cut] + content[ends[-1] :]


async def parse_in_thread(
    content: bytes,
    *,
    now: datetime,
    max_items: int,
    content_type: str | None = None,
) -> list[ParsedEntry]:
    """``parse`` off the event loop (even cut, a feed takes a while)."""
    return await asyncio.to_thread(
        functools.partial(
            parse, content, now=now, max_items=max_items, content_type=content_type
        )
    )
