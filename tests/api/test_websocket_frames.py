"""graphql-transport-ws messages travel as TEXT frames: browser clients (GraphiQL, graphql-ws) reject binary ones.

Python's json.loads accepts bytes, so a test that only decodes messages cannot see the frame type: these
assert it on a raw WebSocket, for every kind of message the server sends.
"""

from __future__ import annotations

import asyncio
import json

import httpx
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from outcome_graph.app import create_app
from tests.api.live import demo_tokens, serving
from tests.api.test_jobs import ENQUEUE

SUB = "subscription($id: ID!) { rollupJobUpdated(id: $id) { id state } }"


async def _frame(ws) -> str:
    frame = await asyncio.wait_for(ws.recv(), 20)
    assert isinstance(frame, str), f"binary frame {frame[:60]!r}: browsers need text frames"
    return frame


async def test_every_message_is_a_text_frame(settings):
    settings = settings.with_(run_worker=True, worker_poll_seconds=0.05, job_delay_seconds=0)
    tokens = await demo_tokens(settings.database_url)
    async with serving(create_app(settings)) as address:
        async with httpx.AsyncClient(base_url=f"http://{address}") as http:
            job = (await http.post("/graphql", json={"query": ENQUEUE, "variables": {"u": "101"}},
                                   headers={"Authorization": f"Bearer {tokens['teacher']}"})).json()
        job_id = job["data"]["enqueueOutcomeRollupCalculation"]["id"]
        async with connect(f"ws://{address}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
            await ws.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": f"Bearer {tokens['teacher']}"}}))
            assert json.loads(await _frame(ws)) == {"type": "connection_ack"}
            await ws.send(json.dumps({"type": "ping"}))
            assert json.loads(await _frame(ws)) == {"type": "pong"}
            await ws.send(json.dumps({"id": "bad", "type": "subscribe", "payload": {"query": "subscription { nope }"}}))
            error = json.loads(await _frame(ws))
            assert (error["type"], error["id"]) == ("error", "bad")
            await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": SUB, "variables": {"id": job_id}}}))
            states = []
            while (msg := json.loads(await _frame(ws)))["type"] == "next":
                states.append(msg["payload"]["data"]["rollupJobUpdated"]["state"])
            assert msg == {"id": "1", "type": "complete"}
            assert states[-1] == "SUCCEEDED"
