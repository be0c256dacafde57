"""Refused requests are answered late: what a limit of the request budget refuses (and a request malformed
for the protocol) is answered after `refusal_delay_seconds`, its connection reading nothing meanwhile.

Every refusal already costs the server about as much as a trivial request, but a client sending refused
requests back to back still takes the event loop from everyone else's queries at each of their database
round trips (docs/deployment.md §4). Answering the refusal late caps such a client at one refused
request per delay on each connection, at no CPU cost; a client that is never refused never waits.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

REFUSED = "outcome_graph.refused"  # set in the ASGI scope by whoever refuses the request


def mark_refused(scope) -> None:
    scope[REFUSED] = True


def is_limit_error(error: dict | object) -> bool:
    """A GraphQL error of the request budget: every one names its limit in extensions.limit."""
    extensions = error.get("extensions") if isinstance(error, dict) else getattr(error, "extensions", None)
    return bool(extensions) and "limit" in extensions


async def wait_before_refusing(delay_seconds: float) -> None:
    if delay_seconds > 0:
        await asyncio.sleep(delay_seconds)


class SlowRefusalsMiddleware:
    """ASGI middleware, outermost: an HTTP answer to a request marked refused starts `delay_seconds` late."""

    def __init__(self, app, delay_seconds: float):
        self.app = app
        self.delay_seconds = delay_seconds

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.delay_seconds <= 0:
            return await self.app(scope, receive, send)

        async def send_late(message):
            if message["type"] == "http.response.start" and scope.get(REFUSED):
                await wait_before_refusing(self.delay_seconds)
            await send(message)

        await self.app(scope, receive, send_late)


class RefusedAddresses:
    """Client addresses whose WebSocket a limit closed, and until when their next handshake waits: a client
    that reconnects to send its refused message again is slowed like one repeating a refused request. Bounded:
    past `size` addresses the oldest are forgotten."""

    def __init__(self, delay_seconds: float, size: int = 4_096):
        self.delay_seconds = delay_seconds
        self.size = size
        self.until: OrderedDict[str, float] = OrderedDict()

    def note(self, address: str) -> None:
        if self.delay_seconds > 0:
            self.until[address] = time.monotonic() + self.delay_seconds
            self.until.move_to_end(address)
            while len(self.until) > self.size:
                self.until.popitem(last=False)

    async def wait(self, address: str) -> None:
        until = self.until.get(address)
        if until is not None:
            await wait_before_refusing(until - time.monotonic())
