"""The request edge: what every request goes through before a route runs.

    middleware.py  RequestEdge: the one ASGI middleware, body limits and media types
    bodies.py      the checks made on a body before any parser: JSON depth, NUL, ...
    clients.py     the client's address behind trusted proxies
    headers.py     security headers (Content-Security-Policy, ...) per surface
    openapi.py     its 413 and 415 in /openapi.json, on every route that takes a body

Errors it answers are rendered by ``expotv.errors`` like every other.
"""

from expotv.edge.middleware import RequestEdge, upload_limit

__all__ = ["RequestEdge", "upload_limit"]
