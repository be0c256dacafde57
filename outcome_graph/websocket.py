"""WebSockets: every operation on a fresh Context, re-authenticated from the socket's token; messages as text.

Strawberry's protocol handlers execute every operation with the one context made at the handshake; ours
hand the schema a SocketContext (app.py) and swap in `for_operation()`'s Context where the handler starts
an operation, so no loader, access memo or viewer outlives the operation that read it. Messages go out as TEXT frames:
browsers' graphql-transport-ws clients (GraphiQL, graphql-ws) reject binary ones, and the view's orjson encoder
returns bytes, which strawberry would send as binary.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Any

from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected

from outcome_graph import socket_limits
from outcome_graph.context import SocketContext
from outcome_graph.refusals import is_limit_error, wait_before_refusing


async def _closing(results, context) -> AsyncGenerator[Any, None]:
    """The operation's results; its reads are given back when it ends, is stopped or the socket closes. A
    refusal by a limit is sent late, the operation keeping its place among the socket's (refusals.py)."""
    try:
        async for result in results:
            if any(is_limit_error(e) for e in getattr(result, "errors", None) or ()):
                await wait_before_refusing(context.settings.refusal_delay_seconds)
            yield result
    finally:
        await results.aclose()
        await context.reader.close()


_ENDED = object()


async def _resumed(first, results) -> AsyncGenerator[Any, None]:
    """`results` again, its first one already taken."""
    try:
        if first is not _ENDED:
            yield first
            async for result in results:
                yield result
    finally:
        await results.aclose()


class _PerOperation:
    """The schema as our handlers see it: `stream`/`subscribe` take the SocketContext, run on a fresh Context."""

    def __init__(self, schema):
        self._schema = schema

    def __getattr__(self, name: str) -> Any:
        return getattr(self._schema, name)

    async def _run(self, method, query, *, context_value: SocketContext, **kwargs):
        # A socket starts one operation at a time, up to its first result: a client that opens many at once
        # queues behind itself, not in front of other clients' requests (docs/deployment.md §4).
        async with context_value.starting:
            context = await context_value.for_operation()
            results = _closing(await method(query, context_value=context, **kwargs), context)
            try:
                first = await anext(results, _ENDED)
            except BaseException:
                await results.aclose()
                raise
        return _resumed(first, results)

    async def stream(self, query, **kwargs):
        return await self._run(self._schema.stream, query, **kwargs)

    async def subscribe(self, query, **kwargs):
        return await self._run(self._schema.subscribe, query, **kwargs)


class TransportWSHandler(socket_limits.TransportWSHandler):
    def __init__(self, *, schema, **kwargs):
        super().__init__(schema=_PerOperation(schema), **kwargs)


class LegacyWSHandler(socket_limits.LegacyWSHandler):
    def __init__(self, *, schema, **kwargs):
        super().__init__(schema=_PerOperation(schema), **kwargs)


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's adapter, sending every message as UTF-8 text whatever encode_json returns."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        try:
            await self.ws.send_text(encoded.decode() if isinstance(encoded, bytes) else encoded)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc
