"""``X-Expotv-Instance``: which backend behind a load balancer answered.

Set ``EXPOTV_INSTANCE_NAME`` per instance; the post-deploy smoke test
(``deploy/smoke.sh``) checks through the balancer that every instance answers.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Expotv-Instance"


class InstanceHeaderMiddleware:
    def __init__(self, app: ASGIApp, *, name: str) -> None:
        self.app = app
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_named(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(HEADER, self.name)
            await send(message)

        await self.app(scope, receive, send_named)
