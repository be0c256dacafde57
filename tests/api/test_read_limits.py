"""Limits uvicorn applies while it reads (outcome_graph/uvicorn_limits.py), over a plain socket to a live server:
a head past the limit is refused before it ends (issue 12, finding 10: a 30 MB Authorization header was read
whole), a WebSocket frame past the message limit is refused from its header (finding 3), and ordinary requests
(keep-alive, pipelined, large bodies) are served as before."""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct

from outcome_graph.app import create_app
from tests.api.live import demo_tokens, serving

HANDSHAKE = (b"GET /graphql HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
             b"Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n")


@contextlib.asynccontextmanager
async def server(settings, **changes):
    settings = settings.with_(response_cache_size=0, run_worker=False, **changes)
    tokens = await demo_tokens(settings.database_url)
    async with serving(create_app(settings)) as address:
        host, port = address.split(":")
        yield host, int(port), tokens


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict, bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    lines = head.decode().split("\r\n")
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    body = await asyncio.wait_for(reader.readexactly(int(fields.get("content-length", 0))), 10)
    return int(lines[0].split()[1]), fields, body


def post(query: str, padding: int = 0) -> bytes:
    body = json.dumps({"query": query, "variables": {"padding": "x" * padding}}).encode()
    return (f"POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def frame(payload: bytes, announced: int | None = None) -> bytes:
    """A masked (zero key) text frame; `announced` overrides the length its header gives."""
    n = len(payload) if announced is None else announced
    length = bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n) if n < 65536 \
        else bytes([0x80 | 127]) + struct.pack("!Q", n)
    return b"\x81" + length + b"\0\0\0\0" + payload


async def read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    first, second = await asyncio.wait_for(reader.readexactly(2), 10)
    n = second & 0x7F
    if n == 126:
        n = struct.unpack("!H", await reader.readexactly(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", await reader.readexactly(8))[0]
    return first & 0x0F, await reader.readexactly(n)


async def test_a_head_past_the_limit_is_refused_before_it_ends(settings):
    """The head never ends: without a limit while reading, the server would wait for the rest."""
    async with server(settings) as (host, port, _):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"POST /graphql HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + b"x" * 40_000)
        await writer.drain()
        status, fields, body = await read_response(reader)
        assert status == 431 and fields["connection"] == "close"
        assert json.loads(body) == {"errors": [{
            "message": "Request head (request line and headers) exceeds the limit of 16384 bytes.",
            "extensions": {"code": "BAD_USER_INPUT", "limit": "headerBytes", "max": 16_384}}]}
        assert await asyncio.wait_for(reader.read(), 10) == b""  # closed: the rest is never read
        writer.close()


async def test_a_long_head_that_arrives_whole_is_refused_the_same_way(settings):
    async with server(settings, max_header_bytes=2_000) as (host, port, _):
        reader, writer = await asyncio.open_connection(host, port)
        request = post("{ __typename }")
        writer.write(request.replace(b"Host: t\r\n", b"Host: t\r\nX-Long: " + b"y" * 2_000 + b"\r\n"))
        status, _, body = await read_response(reader)
        assert status == 431 and json.loads(body)["errors"][0]["extensions"]["max"] == 2_000
        writer.close()


async def test_keep_alive_pipelined_and_large_requests_are_served(settings):
    """Heads under the limit pass whatever else shares their reads: pipelined requests and large bodies."""
    async with server(settings, max_header_bytes=2_000) as (host, port, _):
        reader, writer = await asyncio.open_connection(host, port)
        requests = [post("{ __typename }", 600_000), post("{ __typename }"), post("{ __typename }", 300_000)]
        writer.write(b"".join(requests))  # one write: a head begins where a 600 KB body ends
        for _ in requests:
            status, _, body = await read_response(reader)
            assert (status, json.loads(body)) == (200, {"data": {"__typename": "Query"}})
        for _ in range(3):  # and one after another on the same connection
            writer.write(post("{ __typename }", 5_000))
            assert (await read_response(reader))[0] == 200
        writer.close()


async def test_a_websocket_frame_past_the_limit_is_refused_from_its_header(settings):
    """The frame announces 10 MB and sends none of it: without a limit while reading, the server waits for it."""
    async with server(settings) as (host, port, tokens):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(HANDSHAKE)
        assert (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)).startswith(b"HTTP/1.1 101")
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {tokens['teacher']}"}}
        writer.write(frame(json.dumps(init).encode()))
        assert json.loads((await read_frame(reader))[1])["type"] == "connection_ack"
        writer.write(frame(b'{"id": "1", "type": "subscribe"', announced=10_000_000))
        opcode, payload = await read_frame(reader)
        assert opcode == 0x8 and struct.unpack("!H", payload[:2])[0] == 1009
        writer.close()
