"""The client limits of asgi_limits.py, applied by uvicorn while it reads the socket (the README's "Request
budget"): a request head past `max_header_bytes` is answered 431 as soon as that many bytes arrived without
the head ending, before the rest is read or parsed; a WebSocket frame past `max_body_bytes` closes the socket
with 1009 from its header, before its payload is read. The ASGI middleware checks the same rules on a head that
arrived whole (and under any other server)."""

from __future__ import annotations

import functools
from http import HTTPStatus

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from outcome_graph.asgi_limits import head_refusal
from outcome_graph.settings import Settings


def _head_too_big(maximum: int, url: bytes) -> bytes:
    body = head_refusal(maximum, url.decode("latin-1"))  # the URL read so far: REST paths get Canvas's shape
    status = HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
    return (f"HTTP/1.1 {status.value} {status.phrase}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode() + body


class HeadLimitedProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, counting the bytes of a head that has not ended yet."""

    max_head_bytes = Settings.max_header_bytes
    refusal_delay_seconds = Settings.refusal_delay_seconds

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_head = False  # between a request's first byte and the end of its headers
        self.head_bytes = 0
        self.ended_in_chunk = False
        self.refusing = False

    def data_received(self, data: bytes) -> None:
        self.ended_in_chunk = False
        super().data_received(data)
        if not self.in_head or self.transport.is_closing():
            return
        # A chunk where a request ended holds the next one's start too, of a length unknown here: not counted.
        self.head_bytes = 0 if self.ended_in_chunk else self.head_bytes + len(data)
        if self.head_bytes > self.max_head_bytes and not self.refusing:
            self.refusing = True  # answered late, reading nothing more meanwhile (refusals.py)
            self.transport.pause_reading()
            self.loop.call_later(self.refusal_delay_seconds, self._refuse_head,
                                 _head_too_big(self.max_head_bytes, getattr(self, "url", b"")))

    def _refuse_head(self, answer: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(answer)
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_head, self.head_bytes = True, 0

    def on_headers_complete(self) -> None:
        self.in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.ended_in_chunk = True
        super().on_message_complete()


class EnvHeadLimitedProtocol(HeadLimitedProtocol):
    """The protocol of `serve --workers N`'s processes, which import it by name: the limit from the settings
    in the environment they inherit from the supervisor."""

    @property
    def max_head_bytes(self) -> int:
        return _env_settings().max_header_bytes

    @property
    def refusal_delay_seconds(self) -> float:
        return _env_settings().refusal_delay_seconds


@functools.cache
def _env_settings() -> Settings:
    return Settings.from_env()


def uvicorn_options(settings: Settings, by_name: bool = False) -> dict:
    """Keyword arguments for uvicorn.run / uvicorn.Config: the limits above, from `settings`. `by_name` names
    the protocol by its import path, for a Config that is handed to other processes."""
    if by_name:
        protocol = f"{__name__}:EnvHeadLimitedProtocol"
    else:
        protocol = type("HeadLimitedProtocol", (HeadLimitedProtocol,), {
            "max_head_bytes": settings.max_header_bytes, "refusal_delay_seconds": settings.refusal_delay_seconds})
    return {"http": protocol, "ws_max_size": settings.max_body_bytes}
