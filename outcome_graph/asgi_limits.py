"""Bounds on what a client sends outside a request body, checked before the app reads any of it: the
request head (its request line and header lines as sent, HTTP and the WebSocket handshake) and each WebSocket
message. Under `serve`, uvicorn applies the same limits while it reads (uvicorn_limits.py)."""

from __future__ import annotations

import orjson

from outcome_graph.refusals import RefusedAddresses, mark_refused

MESSAGE_TOO_BIG = 1009  # WebSocket close code (RFC 6455)
POLICY_VIOLATION = 1008


REST_PREFIX = "/api/"
# Canvas's (rack's) status names, for refusals of REST requests (docs/rest-api.md).
STATUS_NAMES = {413: "payload_too_large", 431: "request_header_fields_too_large"}


def refusal_body(status: int, message: str, limit: str, maximum: int, path: str = "") -> bytes:
    """A refusal before the app ran (every limit outside the app): as a GraphQL error naming the limit, or, for
    the REST API, as Canvas's `{"status", "message"}`."""
    if path.startswith(REST_PREFIX):
        return orjson.dumps({"status": STATUS_NAMES[status], "message": message})
    return orjson.dumps({"errors": [{"message": message,
                                     "extensions": {"code": "BAD_USER_INPUT", "limit": limit, "max": maximum}}]})


def head_refusal(maximum: int, path: str = "") -> bytes:
    return refusal_body(431, f"Request head (request line and headers) exceeds the limit of {maximum} bytes.",
                        "headerBytes", maximum, path)


def head_size(scope) -> int:
    """The bytes of the head as sent: `METHOD path?query HTTP/1.1`, one `name: value` line per header, and the
    line ends (the transport may have trimmed spaces around values: never more than the client sent)."""
    path = scope.get("raw_path") or scope.get("path", "").encode()
    query = scope.get("query_string") or b""
    line = len(scope.get("method", "GET")) + len(path) + (len(query) + 1 if query else 0) + len(" HTTP/1.1\r\n") + 1
    return line + sum(len(k) + len(v) + 4 for k, v in scope.get("headers") or ()) + 2


def client_address(scope) -> str:
    return (scope.get("client") or ("",))[0]


async def refuse(scope, send, status: int, body: bytes) -> None:
    """An HTTP refusal before the app ran (every ASGI-level limit), its body from refusal_body; answered late
    (refusals.py)."""
    mark_refused(scope)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class ClientLimitsMiddleware:
    """ASGI middleware: a head over `max_header_bytes` gets 431 with a GraphQL error (a WebSocket handshake is
    refused); a WebSocket message over `max_message_bytes` closes the socket with 1009 before the app sees it.
    After either closure, the next handshake from the same address waits the refusal delay (refusals.py)."""

    def __init__(self, app, max_header_bytes: int, max_message_bytes: int, refusal_delay_seconds: float = 0.0):
        self.app = app
        self.max_header_bytes = max_header_bytes
        self.max_message_bytes = max_message_bytes
        self.refused = RefusedAddresses(refusal_delay_seconds)  # WebSocket closures; HTTP refusals are marked

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        if head_size(scope) > self.max_header_bytes:
            return await self._refuse_headers(scope, receive, send)
        if scope["type"] == "http":
            return await self.app(scope, receive, send)
        address = client_address(scope)
        await self.refused.wait(address)
        closed = False

        async def limited_receive():
            nonlocal closed
            message = await receive()
            if message["type"] == "websocket.disconnect" and message.get("code") == MESSAGE_TOO_BIG:
                self.refused.note(address)  # the server closed it (uvicorn_limits.py)
            if message["type"] == "websocket.receive" and self._too_big(message):
                closed = True
                self.refused.note(address)
                await send({"type": "websocket.close", "code": MESSAGE_TOO_BIG,
                            "reason": f"Message exceeds the limit of {self.max_message_bytes} bytes."})
                return {"type": "websocket.disconnect", "code": MESSAGE_TOO_BIG}
            return message

        async def guarded_send(message):
            if not closed:  # the app may still answer or close after we closed: nothing more goes out
                await send(message)

        await self.app(scope, limited_receive, guarded_send)

    def _too_big(self, message) -> bool:
        data = message.get("bytes") or message.get("text") or ""
        if len(data) > self.max_message_bytes:
            return True
        return isinstance(data, str) and len(data) * 4 > self.max_message_bytes \
            and len(data.encode("utf-8", "surrogatepass")) > self.max_message_bytes

    async def _refuse_headers(self, scope, receive, send):
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            self.refused.note(client_address(scope))
            return await send({"type": "websocket.close", "code": POLICY_VIOLATION})
        await refuse(scope, send, 431, head_refusal(self.max_header_bytes, scope.get("path", "")))
