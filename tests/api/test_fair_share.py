"""One client cannot crowd out the others (issue 12: a normal query keeps its pace while one client floods the
server). Refused requests are answered late (outcome_graph/refusals.py): every kind of refusal waits the delay,
over HTTP in the app, in uvicorn's head limit and over a WebSocket, and answers that are not refusals never
wait. A WebSocket starts one operation at a time (outcome_graph/websocket.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from outcome_graph.app import create_app
from outcome_graph.context import SocketContext
from outcome_graph.settings import Settings
from tests.api.test_read_limits import read_response, server
from tests.api.test_request_budget import PROTOCOL, _open, _receive, _send, fan_out, socket_server

DELAY = 0.4
NEVER = 60.0  # a delay no answer in these tests could sit out: whatever answers did not wait


@contextlib.asynccontextmanager
async def client(settings, delay: float, **changes):
    app = create_app(settings.with_(refusal_delay_seconds=delay, **changes))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            yield http


async def timed(request) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    response = await request
    return time.monotonic() - started, response


REFUSED = {
    "cost": dict(json={"query": fan_out(11)[0]}),
    "tokens": dict(json={"query": "{ " + "a " * 200 + "}"}),
    "queryLength": dict(json={"query": "{ a(s: \"" + "x" * 3_000 + "\") }"}),
    "bodyBytes": dict(content=b'{"query": "{ __typename }", "x": "' + b"y" * 20_000 + b'"}',
                      headers={"Content-Type": "application/json"}),
    "headerBytes": dict(json={"query": "{ __typename }"}, headers={"X-Padding": "p" * 20_000}),
    "subscription over HTTP": dict(json={"query": "subscription { rollupJobUpdated(id: \"1\") { id } }"}),
    "not a JSON object": dict(content=b"[1", headers={"Content-Type": "application/json"}),
}


@pytest.mark.parametrize("kind", REFUSED)
async def test_every_refusal_over_http_is_answered_no_sooner_than_the_delay(settings, kind):
    async with client(settings, DELAY, max_tokens=100, max_query_length=2_000, max_body_bytes=10_000,
                      max_header_bytes=16_384) as http:
        waited, response = await timed(http.post("/graphql", **REFUSED[kind]))
    body = response.json()
    assert "data" not in body or body["data"] is None, body
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert waited >= DELAY, (kind, waited)


ANSWERED = {
    "a query": '{ course(id: "1") { name } }',
    "a validation error": "{ noSuchField }",
    "an unknown id": '{ course(id: "999") { name } }',
    "a syntax error": "{ course(",
}


@pytest.mark.parametrize("kind", ANSWERED)
async def test_answers_that_are_not_refusals_by_a_limit_never_wait(api, settings, kind):
    async with client(settings, NEVER) as http:
        response = await asyncio.wait_for(http.post("/graphql", json={"query": ANSWERED[kind]}, headers={
            "Authorization": f"Bearer {api.tokens['teacher']}"}), NEVER / 2)
    assert response.status_code == 200


async def test_a_head_past_the_limit_is_answered_late_while_uvicorn_reads_it(settings):
    async with server(settings, refusal_delay_seconds=DELAY) as (host, port, _):
        reader, writer = await asyncio.open_connection(host, port)
        started = time.monotonic()
        writer.write(b"POST /graphql HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + b"x" * 40_000)
        await writer.drain()
        status, _, body = await read_response(reader)
        assert status == 431 and json.loads(body)["errors"][0]["extensions"]["limit"] == "headerBytes"
        assert time.monotonic() - started >= DELAY
        writer.close()


async def test_refusals_over_a_websocket_are_sent_late_and_the_socket_carries_on(settings):
    async with socket_server(settings, refusal_delay_seconds=DELAY, max_socket_operations=1) as (url, tokens, job):
        async with connect(url, subprotocols=PROTOCOL) as ws:
            await _open(ws, tokens["teacher"])
            started = time.monotonic()
            await _send(ws, {"id": "1", "type": "subscribe", "payload": {"query": fan_out(11)[0]}})
            msg = await _receive(ws)
            errors = msg["payload"] if msg["type"] == "error" else msg["payload"]["errors"]
            assert errors[0]["extensions"]["limit"] == "cost" and time.monotonic() - started >= DELAY
            sub = "subscription($id: ID!) { rollupJobUpdated(id: $id) { id state } }"
            await _send(ws, {"id": "2", "type": "subscribe", "payload": {"query": sub, "variables": {"id": job}}})
            assert (await _receive(ws))["type"] == "next"
            started = time.monotonic()
            await _send(ws, {"id": "3", "type": "subscribe", "payload": {"query": sub, "variables": {"id": job}}})
            msg = await _receive(ws)
            assert msg["payload"][0]["extensions"]["limit"] == "socketOperations"
            assert time.monotonic() - started >= DELAY


def test_the_delay_is_a_setting_on_by_default():
    assert Settings.from_env({"OUTCOME_GRAPH_REFUSAL_DELAY_SECONDS": "0.25"}).refusal_delay_seconds == 0.25
    assert Settings.from_env({}).refusal_delay_seconds == 0.1


async def test_a_socket_starts_one_operation_at_a_time(settings, monkeypatch):
    """Ten subscriptions sent at once start one after another, each up to its first result."""
    starting, most = 0, 0
    authenticate = SocketContext.for_operation

    async def slow_start(self):
        nonlocal starting, most
        starting += 1
        most = max(most, starting)
        try:
            context = await authenticate(self)
            await asyncio.sleep(0.05)  # a start that takes a while: the others would overlap it
            return context
        finally:
            starting -= 1

    monkeypatch.setattr(SocketContext, "for_operation", slow_start)
    async with socket_server(settings, max_socket_operations=20) as (url, tokens, job):
        async with connect(url, subprotocols=PROTOCOL) as ws:
            await _open(ws, tokens["teacher"])
            sub = "subscription($id: ID!) { rollupJobUpdated(id: $id) { id state } }"
            for op in range(10):
                await _send(ws, {"id": str(op), "type": "subscribe", "payload": {"query": sub, "variables": {"id": job}}})
            answered = {(await _receive(ws))["id"] for _ in range(10)}
    assert answered == {str(op) for op in range(10)} and most == 1


async def test_after_a_socket_is_closed_for_a_limit_its_address_reconnects_late(settings):
    """The oversized message closes the socket (1009, in uvicorn); the same address's next handshake waits the
    delay, another address's does not."""
    delay = 3.0  # the server's shutdown waits for the delayed handshake: short, but longer than the bounds below
    async with socket_server(settings, refusal_delay_seconds=delay, max_body_bytes=50_000) as (url, tokens, _):
        async with connect(url, subprotocols=PROTOCOL) as ws:
            await _open(ws, tokens["teacher"])
            await _send(ws, {"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }",
                                                                         "variables": {"x": "y" * 60_000}}})
            with pytest.raises(ConnectionClosed) as closed:
                await _receive(ws)
            assert closed.value.rcvd.code == 1009
        async with asyncio.timeout(delay / 2):  # another address (all of 127/8 is loopback): at once
            async with connect(url, subprotocols=PROTOCOL, local_addr=("127.0.0.2", 0)) as ws:
                await _open(ws, tokens["teacher"])
        with pytest.raises(TimeoutError):  # the same address: not before the delay
            async with asyncio.timeout(delay / 2):
                async with connect(url, subprotocols=PROTOCOL) as ws:
                    await _open(ws, tokens["teacher"])
