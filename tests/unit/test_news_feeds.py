"""Feed fetching rules, parsing and sanitising, without network or database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import httpx
import pytest

from expotv.config import Settings
from expotv.news import feeds
from tests.conftest import make_settings

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
PUBLIC_IP = "93.184.216.34"


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "feeds_timeout_seconds": 2.0,
        "feeds_max_bytes": 1000,
    }
    values.update(overrides)
    return make_settings(tmp_path, **values)


def _resolver(answers: dict[str, list[str]]) -> feeds.Resolver:
    async def resolve(host: str, _port: int) -> list[str]:
        if host not in answers:
            raise OSError("name not known")
        return answers[host]

    return resolve


class Recorder:
    """A MockTransport handler that remembers what reached "the network"."""

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0)


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


RSS = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
    b"<item><guid>1</guid><title>Um</title></item></channel></rss>"
)


# --- addresses -----------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.0.10",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.251",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "2002:7f00:1::1",
        "nao-é-ip",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not feeds.is_public_address(address)


@pytest.mark.parametrize("address", [PUBLIC_IP, "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert feeds.is_public_address(address)


async def test_name_resolving_to_loopback_is_refused() -> None:
    url = feeds.check_url("http://feeds.example.com/rss")

    with pytest.raises(feeds.AddressNotAllowed):
        await feeds.resolve_public(
            url,
            allow_private=False,
            resolver=_resolver({"feeds.example.com": ["127.0.0.1"]}),
        )


async def test_one_private_answer_among_public_ones_refuses_the_name() -> None:
    url = feeds.check_url("https://feeds.example.com/rss")

    with pytest.raises(feeds.AddressNotAllowed):
        await feeds.resolve_public(
            url,
            allow_private=False,
            resolver=_resolver({"feeds.example.com": [PUBLIC_IP, "10.0.0.1"]}),
        )


async def test_unresolvable_name_fails_resolution() -> None:
    url = feeds.check_url("http://nada.example.com/rss")

    with pytest.raises(feeds.ResolutionFailed):
        await feeds.resolve_public(url, allow_private=False, resolver=_resolver({}))


async def test_private_addresses_pass_when_allowed() -> None:
    url = feeds.check_url("http://intranet.local/rss")

    addresses = await feeds.resolve_public(
        url,
        allow_private=True,
        resolver=_resolver({"intranet.local": ["192.168.0.2"]}),
    )

    assert addresses == ["192.168.0.2"]


async def test_literal_address_needs_no_resolver() -> None:
    async def never(_host: str, _port: int) -> list[str]:
        raise AssertionError("a literal address is not resolved")

    url = feeds.check_url(f"http://{PUBLIC_IP}:8080/rss")

    assert await feeds.resolve_public(url, allow_private=False, resolver=never) == [
        PUBLIC_IP
    ]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/rss",
        "javascript:alert(1)",
        "http:///rss",
        "http://user:pw@example.com/rss",
        "http://exa mple.com/rss",
        "http://example.com/" + "a" * 1100,
    ],
)
def test_urls_of_the_wrong_form_are_refused(url: str) -> None:
    with pytest.raises(feeds.FeedError):
        feeds.check_url(url)


# --- fetching ------------------------------------------------------------------


async def test_fetch_refuses_a_name_that_now_resolves_to_a_private_address(
    tmp_path: Path,
) -> None:
    recorder = Recorder(httpx.Response(200, content=RSS))
    settings = _settings(tmp_path)

    async with _client(recorder) as http:
        with pytest.raises(feeds.AddressNotAllowed):
            await feeds.fetch(
                "http://feeds.example.com/rss",
                settings=settings,
                http=http,
                resolver=_resolver({"feeds.example.com": ["127.0.0.1"]}),
            )

    assert recorder.requests == []


async def test_fetch_connects_to_the_checked_address_keeping_the_name(
    tmp_path: Path,
) -> None:
    recorder = Recorder(httpx.Response(200, content=RSS, headers={"ETag": '"x"'}))

    async with _client(recorder) as http:
        result = await feeds.fetch(
            "https://feeds.example.com:8443/rss?a=1",
            settings=_settings(tmp_path),
            http=http,
            resolver=_resolver({"feeds.example.com": [PUBLIC_IP]}),
        )

    assert result.content == RSS
    assert result.etag == '"x"'
    [request] = recorder.requests
    assert str(request.url) == f"https://{PUBLIC_IP}:8443/rss?a=1"
    assert request.headers["Host"] == "feeds.example.com:8443"
    assert request.extensions["sni_hostname"] == "feeds.example.com"


async def test_redirect_to_a_private_name_is_refused(tmp_path: Path) -> None:
    recorder = Recorder(
        httpx.Response(302, headers={"Location": "http://internal.example.com/x"}),
        httpx.Response(200, content=RSS),
    )
    resolver = _resolver(
        {"feeds.example.com": [PUBLIC_IP], "internal.example.com": ["10.1.2.3"]}
    )

    async with _client(recorder) as http:
        with pytest.raises(feeds.AddressNotAllowed):
            await feeds.fetch(
                "http://feeds.example.com/rss",
                settings=_settings(tmp_path),
                http=http,
                resolver=resolver,
            )

    assert len(recorder.requests) == 1


async def test_redirect_to_a_private_literal_is_refused(tmp_path: Path) -> None:
    recorder = Recorder(
        httpx.Response(301, headers={"Location": "http://169.254.169.254/latest"})
    )

    async with _client(recorder) as http:
        with pytest.raises(feeds.AddressNotAllowed):
            await feeds.fetch(
                f"http://{PUBLIC_IP}/rss",
                settings=_settings(tmp_path),
                http=http,
            )


async def test_conditional_get_sends_validators_and_reads_304(tmp_path: Path) -> None:
    recorder = Recorder(httpx.Response(304))

    async with _client(recorder) as http:
        result = await feeds.fetch(
            f"http://{PUBLIC_IP}/rss",
            settings=_settings(tmp_path),
            http=http,
            etag='"v1"',
            last_modified="Tue, 01 Jan 2030 00:00:00 GMT",
        )

    assert result.not_modified
    [request] = recorder.requests
    assert request.headers["If-None-Match"] == '"v1"'
    assert request.headers["If-Modified-Since"] == "Tue, 01 Jan 2030 00:00:00 GMT"


async def test_streamed_body_over_the_cap_is_refused(tmp_path: Path) -> None:
    async def body() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 100

    recorder = Recorder(httpx.Response(200, content=body()))

    async with _client(recorder) as http:
        with pytest.raises(feeds.FeedError, match="limite de 1000 bytes"):
            await feeds.fetch(
                f"http://{PUBLIC_IP}/rss",
                settings=_settings(tmp_path),
                http=http,
            )


async def test_timeouts_become_a_pt_br_error(tmp_path: Path) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    async with _client(slow) as http:
        with pytest.raises(feeds.FeedError, match="tempo esgotado"):
            await feeds.fetch(
                f"http://{PUBLIC_IP}/rss",
                settings=_settings(tmp_path),
                http=http,
            )


async def test_refused_connection_tries_the_next_address(tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        if len(seen) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, content=RSS)

    async with _client(handler) as http:
        result = await feeds.fetch(
            "http://feeds.example.com/rss",
            settings=_settings(tmp_path),
            http=http,
            resolver=_resolver({"feeds.example.com": [PUBLIC_IP, "8.8.8.8"]}),
        )

    assert result.content == RSS
    assert seen == [PUBLIC_IP, "8.8.8.8"]


# --- text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Olá <b>mundo</b></p>", "Olá mundo"),
        ("a <script>alert('x')</script> b", "a b"),
        ("<style>p { color: red }</style>texto", "texto"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;ok", "ok"),
        ("AT&amp;T &eacute; &#233;", "AT&T é é"),
        ("  muitos \n\t espaços  ", "muitos espaços"),
        ("linha<br>seguinte", "linha seguinte"),
        ("<SCRIPT type='x'>bad()</SCRIPT>bom", "bom"),
        ("1 < 2 e 3 > 2", "1 < 2 e 3 > 2"),
        ("", ""),
    ],
)
def test_plain_text(html: str, text: str) -> None:
    assert feeds.plain_text(html) == text


def test_truncate_words_cuts_on_a_boundary() -> None:
    text = "uma frase bem longa " * 50

    cut = feeds.truncate_words(text, 500)

    assert len(cut) <= 500
    assert cut.endswith("…")
    assert text.startswith(cut[:-1])
    assert cut[-2] != " "


def test_short_text_is_not_truncated() -> None:
    assert feeds.truncate_words("curto", 500) == "curto"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://a.com/x.jpg", "https://a.com/x.jpg"),
        ("  http://a.com/x  ", "http://a.com/x"),
        ("javascript:alert(1)", None),
        ("data:image/png;base64,AAAA", None),
        ("/relative.png", None),
        (None, None),
        (42, None),
    ],
)
def test_only_absolute_http_urls_are_kept(value: object, expected: str | None) -> None:
    assert feeds.http_url(value) == expected


# --- parsing -------------------------------------------------------------------


def _rss(*items: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0" '
        'xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title>'
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def test_images_come_from_media_thumbnail_and_enclosures() -> None:
    content = _rss(
        "<item><guid>1</guid><title>Thumb</title>"
        '<media:thumbnail url="https://a.com/t.jpg"/></item>',
        "<item><guid>2</guid><title>Enclosure</title>"
        '<enclosure url="https://a.com/e.png" type="image/png" length="1"/></item>',
        "<item><guid>3</guid><title>Audio</title>"
        '<enclosure url="https://a.com/a.mp3" type="audio/mpeg" length="1"/></item>',
        "<item><guid>4</guid><title>Unsafe</title>"
        '<media:content url="javascript:alert(1)" medium="image"/></item>',
    )

    images = {e.title: e.image_url for e in feeds.parse(content, now=NOW, max_items=50)}

    assert images == {
        "Thumb": "https://a.com/t.jpg",
        "Enclosure": "https://a.com/e.png",
        "Audio": None,
        "Unsafe": None,
    }


def test_entries_are_keyed_by_guid_then_link_then_title() -> None:
    content = _rss(
        "<item><guid>g</guid><title>A</title></item>",
        "<item><title>B</title><link>https://a.com/b</link></item>",
        "<item><title>C</title></item>",
    )

    keys = [e.guid_hash for e in feeds.parse(content, now=NOW, max_items=50)]

    assert keys == [
        feeds.guid_hash("g"),
        feeds.guid_hash("https://a.com/b"),
        feeds.guid_hash("C"),
    ]


def test_publication_dates_are_utc_and_never_in_the_future() -> None:
    content = _rss(
        "<item><guid>1</guid><title>Past</title>"
        "<pubDate>Wed, 01 May 2030 08:00:00 -0300</pubDate></item>",
        "<item><guid>2</guid><title>Future</title>"
        "<pubDate>Fri, 01 May 2099 08:00:00 GMT</pubDate></item>",
        "<item><guid>3</guid><title>Undated</title></item>",
    )

    dates = {
        e.title: e.published_at for e in feeds.parse(content, now=NOW, max_items=50)
    }

    assert dates == {
        "Past": NOW - timedelta(hours=1),
        "Future": NOW,
        "Undated": NOW,
    }


def test_entry_without_title_takes_its_summary() -> None:
    content = _rss("<item><guid>1</guid><description>Só texto</description></item>")

    [entry] = feeds.parse(content, now=NOW, max_items=50)

    assert entry.title == "Só texto"


def test_valid_feed_without_entries_is_empty() -> None:
    assert feeds.parse(_rss(), now=NOW, max_items=50) == []


@pytest.mark.parametrize(
    "content",
    [b"", b"not a feed", b"<rss><channel><item><title>x", b"<html><p>oi</p></html>"],
)
def test_what_is_not_a_feed_is_an_error(content: bytes) -> None:
    with pytest.raises(feeds.FeedError):
        feeds.parse(content, now=NOW, max_items=50)


def test_charset_of_the_http_header_is_honoured() -> None:
    content = (
        '<rss version="2.0"><channel><title>T</title>'
        "<item><guid>1</guid><title>Ação no condomínio</title></item></channel></rss>"
    ).encode("latin-1")

    [entry] = feeds.parse(
        content,
        now=NOW,
        max_items=50,
        content_type="application/rss+xml; charset=ISO-8859-1",
    )

    assert entry.title == "Ação no condomínio"


def _dated(guid: str, hours_ago: int) -> str:
    moment = (NOW - timedelta(hours=hours_ago)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    return (
        f"<item><guid>{guid}</guid><title>{guid}</title>"
        f"<pubDate>{moment}</pubDate></item>"
    )


def test_only_the_newest_entries_are_taken_newest_first() -> None:
    content = _rss(_dated("c", 3), _dated("a", 1), _dated("d", 4), _dated("b", 2))

    taken = feeds.parse(content, now=NOW, max_items=2)

    assert [entry.title for entry in taken] == ["a", "b"]


@pytest.mark.parametrize(
    ("document", "expected_tail"),
    [
        (
            _rss(*(f"<item><title>{i}</title></item>" for i in range(5))),
            b"</channel></rss>",
        ),
        (
            b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
            + b"".join(b"<entry><title>%d</title></entry>" % i for i in range(5))
            + b"</feed>",
            b"</feed>",
        ),
        (
            # RSS 1.0: the items follow the channel, with a namespace prefix here.
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            b'xmlns:r="http://purl.org/rss/1.0/"><r:channel><r:title>T</r:title>'
            b"</r:channel>"
            + b"".join(
                b'<r:item rdf:about="x%d"><r:title>%d</r:title></r:item>' % (i, i)
                for i in range(5)
            )
            + b"</rdf:RDF>",
            b"</rdf:RDF>",
        ),
    ],
    ids=["rss2", "atom", "rdf"],
)
def test_a_long_feed_is_cut_to_its_first_entries_and_stays_well_formed(
    document: bytes, expected_tail: bytes
) -> None:
    cut = feeds.first_entries(document, 2)

    assert cut.endswith(expected_tail)
    parsed = feedparser.parse(cut)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [entry.title for entry in parsed.entries] == ["0", "1"]
    assert feeds.first_entries(document, 5) == document


def test_a_feed_of_120000_entries_is_read_up_to_the_bound() -> None:
    content = _rss(*(f"<item><title>t{i}</title></item>" for i in range(120_000)))

    read = feeds.first_entries(content, feeds.MAX_ENTRIES_READ)
    taken = feeds.parse(content, now=NOW, max_items=50)
    # A configured cap above the bound is honoured.
    more = feeds.parse(content, now=NOW, max_items=1500)

    assert read.count(b"<item>") == feeds.MAX_ENTRIES_READ
    assert len(taken) == 50
    assert len(more) == 1500
