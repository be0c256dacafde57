"""Rejects request bodies over the configured size before any of it is parsed."""

from __future__ import annotations

from outcome_graph.asgi_limits import refusal_body, refuse


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """ASGI middleware: 413 with a GraphQL error for declared or streamed bodies over `limit` bytes."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or ()).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await self._reject(scope, send)
        seen = 0
        started = False

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._reject(scope, send)

    async def _reject(self, scope, send):
        await refuse(scope, send, 413, refusal_body(413, f"Request body exceeds the body size limit of {self.limit} bytes.",
                                             "bodyBytes", self.limit, scope.get("path", "")))
