"""A feed server on loopback and small RSS/Atom builders for the news tests."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    # Answer 304 when the request carries this tag in If-None-Match.
    etag: str | None = None
    # Hold the answer until set (a "slow" server, without sleeping in tests).
    hold: threading.Event | None = None
    declare_length: bool = True


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                # The client may give up first (timeouts, size cap).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    server._answer(self)

            def log_message(self, *_args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda *_args: None  # type: ignore[method-assign]
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        for route in self.routes.values():
            if route.hold is not None:
                route.hold.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, route: Route) -> str:
        with self._lock:
            self.routes[path] = route
        return self.url(path)

    def seen(self, path: str) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def reset(self) -> None:
        with self._lock:
            for route in self.routes.values():
                if route.hold is not None:
                    route.hold.set()
            self.routes.clear()
            self.requests.clear()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append(
                SeenRequest(
                    handler.path, {k.lower(): v for k, v in handler.headers.items()}
                )
            )
            route = self.routes.get(handler.path)
        if route is None:
            handler.send_response(404)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        if route.hold is not None:
            route.hold.wait(timeout=10)
        if (
            route.etag is not None
            and handler.headers.get("If-None-Match") == route.etag
        ):
            handler.send_response(304)
            handler.send_header("ETag", route.etag)
            handler.end_headers()
            return
        handler.send_response(route.status)
        handler.send_header("Content-Type", route.content_type)
        if route.etag is not None:
            handler.send_header("ETag", route.etag)
        for name, value in route.headers.items():
            handler.send_header(name, value)
        if route.declare_length:
            handler.send_header("Content-Length", str(len(route.body)))
        handler.end_headers()
        handler.wfile.write(route.body)


# --- feed documents ------------------------------------------------------------


def rss_item(
    guid: str,
    title: str,
    *,
    description: str = "",
    published: datetime | None = None,
    link: str | None = None,
    extra: str = "",
) -> str:
    parts = [f"<guid>{escape(guid)}</guid>", f"<title>{escape(title)}</title>"]
    if link:
        parts.append(f"<link>{escape(link)}</link>")
    if description:
        parts.append(f"<description>{escape(description)}</description>")
    if published:
        parts.append(f"<pubDate>{format_datetime(published)}</pubDate>")
    return "<item>" + "".join(parts) + extra + "</item>"


def rss(*items: str, title: str = "Feed de teste") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
        f"<channel><title>{escape(title)}</title><link>https://example.com/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def atom_entry(
    entry_id: str, title: str, *, updated: datetime, content_html: str = ""
) -> str:
    return (
        f"<entry><id>{escape(entry_id)}</id>"
        f'<title type="text">{escape(title)}</title>'
        f'<link href="https://example.com/{escape(entry_id)}"/>'
        f"<updated>{updated.strftime('%Y-%m-%dT%H:%M:%SZ')}</updated>"
        f'<content type="html">{escape(content_html)}</content></entry>'
    )


def atom(*entries: str, updated: datetime) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom de teste</title>'
        f"<id>urn:test:feed</id><updated>{updated.strftime('%Y-%m-%dT%H:%M:%SZ')}</updated>"
        + "".join(entries)
        + "</feed>"
    ).encode()
