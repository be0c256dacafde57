"""Runs the probes of a world against the live service: over HTTP (in-process ASGI) and over WebSocket
(graphql-transport-ws to uvicorn on loopback: the read document as a query operation, and the
rollupJobUpdated subscription for every job); then, after all reads, every mutation over one of them."""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
import uvicorn
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from outcome_graph.db import jobs
from outcome_graph.db.engine import writer
from outcome_graph.db.importer import import_bundle
from outcome_graph.db.tokens import create_token
from outcome_graph.uvicorn_limits import uvicorn_options
from tests.oracle.probe import REFUSED, Discrepancy, Prober, Tally, single
from tests.oracle.rules import ADMIN
from tests.oracle.world import World

PROTOCOL = [Subprotocol("graphql-transport-ws")]
WS_TIMEOUT = 30


class Service:
    """The app under uvicorn on a free loopback port; HTTP goes in process, WebSocket over the socket."""

    def __init__(self, app):
        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                                    lifespan="on", **uvicorn_options(app.state.settings)))
        self.task = None
        self.http = None
        self.address = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            assert not self.task.done(), "the server did not start"
            await asyncio.sleep(0.02)
        self.address = "127.0.0.1:%d" % self.server.servers[0].sockets[0].getsockname()[1]
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://test")

    async def stop(self) -> None:
        await self.http.aclose()
        self.server.should_exit = True
        await self.task

    @property
    def engine(self):
        return self.app.state.engine


async def load(service: Service, world: World) -> dict:
    """Imports the world's bundles, queues a course job and a student job per course; returns a token per
    viewer (every user, and an admin)."""
    for doc in world.bundles():
        await import_bundle(service.engine, doc)
    async with writer(service.engine).begin() as conn:
        for c in world.courses:
            world.jobs[await jobs.enqueue(conn, c, None, delay=3600)] = (c, None)
            students = sorted({e.user for e in world.enrollments if e.course == c and e.role == "student"})
            if students:
                world.jobs[await jobs.enqueue(conn, c, students[0], delay=3600)] = (c, students[0])
    tokens = {u: await create_token(service.engine, user_id=u) for u in world.users}
    tokens[ADMIN] = await create_token(service.engine, admin=True)
    return tokens


async def check_world(service: Service, world: World, writes: str | None) -> Tally:
    """Every viewer's reads over both transports, then (after all reads) every viewer's mutations over
    `writes` ("http", "websocket" or None)."""
    tally = Tally()
    tokens = await load(service, world)
    for viewer, token in tokens.items():
        probes = Prober(world, viewer).reads()
        document = probes.document()
        body = (await service.http.post("/graphql", json={"query": document},
                                        headers={"Authorization": f"Bearer {token}"})).json()
        probes.judge(tally, body)
        await _over_websocket(service, world, viewer, token, probes, document, tally)
    for viewer, token in tokens.items() if writes else ():
        await _writes(service, world, viewer, token, tally, writes)
    return tally


async def _writes(service: Service, world: World, viewer, token: str, tally: Tally, transport: str) -> None:
    """Every mutation as its own operation: a failed one would stop a document's later ones."""
    probes = Prober(world, viewer).writes()
    docs = {p.alias: f"mutation {{ {p.alias}: {p.text} }}" for p in probes.probes}
    if transport == "http":
        bodies = {alias: (await service.http.post("/graphql", json={"query": doc},
                                                  headers={"Authorization": f"Bearer {token}"})).json()
                  for alias, doc in docs.items()}
        probes.judge(tally, _merged(bodies))
        return
    bodies = {}
    async with _socket(service, token) as ws:
        for alias, doc in docs.items():
            await _send(ws, {"id": alias, "type": "subscribe", "payload": {"query": doc}})
            msg = await _receive(ws, alias)
            bodies[alias] = msg["payload"] if msg["type"] == "next" else \
                {"errors": [{**e, "path": [alias]} for e in msg["payload"]]}
    before = len(tally.found)
    probes.judge(tally, _merged(bodies))
    _mark(tally, before, "WebSocket")


def _merged(bodies: dict[str, dict]) -> dict:
    """One body from one-field operations: each alias's value and errors."""
    return {"data": {alias: (b.get("data") or {}).get(alias) for alias, b in bodies.items()},
            "errors": [e for b in bodies.values() for e in b.get("errors") or []]}


@contextlib.asynccontextmanager
async def _socket(service: Service, token: str):
    async with connect(f"ws://{service.address}/graphql", subprotocols=PROTOCOL, max_size=None) as ws:
        await _send(ws, {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert (await _receive(ws))["type"] == "connection_ack"
        yield ws


async def _over_websocket(service: Service, world: World, viewer, token: str, probes: Prober, document: str,
                          tally: Tally) -> None:
    """The same read document as a query operation, then each job's subscription (its first message)."""
    async with _socket(service, token) as ws:
        await _send(ws, {"id": "q", "type": "subscribe", "payload": {"query": document}})
        msg = await _receive(ws)
        body = msg["payload"] if msg["type"] == "next" else {"errors": msg["payload"]}
        if msg["type"] == "next":
            assert (await _receive(ws)) == {"id": "q", "type": "complete"}
        before = len(tally.found)
        probes.judge(tally, body)
        _mark(tally, before, "WebSocket")
        sub = "subscription($id: ID!) { rollupJobUpdated(id: $id) { id } }"
        for job, (course, user) in world.jobs.items():
            payload = {"query": sub, "variables": {"id": str(job)}}
            await _send(ws, {"id": f"s{job}", "type": "subscribe", "payload": payload})
            msg = await _receive(ws, f"s{job}")
            shown = msg["type"] == "next" and not msg["payload"].get("errors") and \
                msg["payload"]["data"]["rollupJobUpdated"] is not None
            if msg["type"] == "next":
                await _send(ws, {"id": f"s{job}", "type": "complete"})
            before = len(tally.found)
            tally.compare("Subscription.rollupJobUpdated", viewer, f"job {job} {(course, user)}",
                          single(probes.may("job", job)), {"shown"} if shown else REFUSED)
            if len(tally.found) > before:
                d = tally.found[-1]
                tally.found[-1] = Discrepancy(d.kind, d.entry, d.viewer, d.thing, d.expected, d.got,
                                              f"{sub} with id {job} -> {json.dumps(msg)[:300]}")


def _mark(tally: Tally, since: int, transport: str) -> None:
    for i in range(since, len(tally.found)):
        d = tally.found[i]
        tally.found[i] = Discrepancy(d.kind, f"{d.entry} [{transport}]", d.viewer, d.thing, d.expected, d.got,
                                     d.document)


async def _send(ws, message: dict) -> None:
    await ws.send(json.dumps(message))


async def _receive(ws, operation: str | None = None) -> dict:
    """The next message (of one operation, when given: a finished one's `complete` may still be on its way)."""
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), WS_TIMEOUT))
        if msg["type"] not in ("ping", "pong") and (operation is None or msg.get("id") == operation):
            return msg
