"""An open WebSocket keeps no rights of its own: each operation, and each poll of a running subscription,
re-reads the token and the viewer's access (issue 12, finding 4)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from datetime import datetime

import httpx
import pytest
from sqlalchemy import delete, update
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from outcome_graph.app import create_app
from outcome_graph.db import models as m
from outcome_graph.db.bundle import load_bundle_file
from outcome_graph.db.engine import create_engine
from outcome_graph.db.importer import import_bundle
from outcome_graph.db.tokens import hash_token, revoke_token
from outcome_graph.settings import Settings
from tests.api.live import serving
from tests.conftest import DEMO, OBSERVED_STUDENT, OBSERVER, TEACHER, make_tokens

PROTOCOLS = {"graphql-transport-ws": ("subscribe", "next"), "graphql-ws": ("start", "data")}
OBSERVED = 'query { user(id: "%d") { id name } }' % OBSERVED_STUDENT
ENQUEUE = 'mutation($u: ID) { enqueueOutcomeRollupCalculation(courseId: "1", userId: $u) { id } }'
TA_STUDENT, OTHER_SECTION = 111, 12  # the demo's section-limited TA grades section 11, where student 111 is
WATCH = "subscription($id: ID!) { rollupJobUpdated(id: $id) { id state } }"


@pytest.fixture
def settings(database_url) -> Settings:
    """No worker: an enqueued job stays QUEUED, so its subscription keeps polling."""
    return Settings(database_url=database_url, run_worker=False, response_cache_size=0)


@pytest.fixture
async def live(settings):
    """The demo course served under uvicorn; yields (address, engine for SQL, tokens)."""
    engine = create_engine(settings.database_url)
    try:
        await import_bundle(engine, load_bundle_file(DEMO))
        tokens = await make_tokens(engine)
        async with serving(create_app(settings)) as address:
            yield address, engine, tokens
    finally:
        await engine.dispose()


class Socket:
    """A graphql-transport-ws (or legacy graphql-ws) client: one operation id per call."""

    def __init__(self, ws, protocol: str, engine=None):
        self.ws, self.protocol, self.engine = ws, protocol, engine
        self.start, self.data = PROTOCOLS[protocol]
        self.ids = (str(i) for i in itertools.count(1))

    async def send(self, message: dict) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), 10))

    async def begin(self, query: str, variables: dict | None = None) -> str:
        op = next(self.ids)
        await self.send({"id": op, "type": self.start, "payload": {"query": query, "variables": variables or {}}})
        return op

    async def result(self, op: str) -> dict:
        """The operation's next result, as {"data": ...} or {"errors": [...]} (an `error` message included)."""
        msg = await self.receive()
        assert msg.get("id") == op, msg
        if msg["type"] == "error":
            payload = msg["payload"]
            return {"errors": payload if isinstance(payload, list) else [payload]}
        assert msg["type"] == self.data, msg
        return msg["payload"]

    async def run(self, query: str, variables: dict | None = None) -> dict:
        op = await self.begin(query, variables)
        result = await self.result(op)
        if self.protocol == "graphql-transport-ws" or "data" in result:
            assert await self.receive() == {"id": op, "type": "complete"}
        return result


@contextlib.asynccontextmanager
async def socket(address: str, token: str, *, protocol: str = "graphql-transport-ws", in_header: bool = False,
                 engine=None):
    headers = {"Authorization": f"Bearer {token}"} if in_header else None
    async with connect(f"ws://{address}/graphql", subprotocols=[Subprotocol(protocol)],
                       additional_headers=headers) as ws:
        client = Socket(ws, protocol, engine)
        await client.send({"type": "connection_init",
                           "payload": {} if in_header else {"Authorization": f"Bearer {token}"}})
        assert (await client.receive())["type"] == "connection_ack"
        yield client


def codes(result: dict) -> list[str]:
    return [e["extensions"]["code"] for e in result.get("errors") or []]


async def sql(engine, stmt) -> None:
    async with engine.begin() as conn:
        await conn.execute(stmt)


def expire(token: str):
    """The token's expiry moved into the past (as if time had passed)."""
    return (update(m.ApiToken).where(m.ApiToken.token_hash == hash_token(token))
            .values(expires_at=datetime(2000, 1, 1)))


@pytest.mark.parametrize("in_header", [False, True])
@pytest.mark.parametrize("how", ["been revoked", "expired"])
async def test_a_revoked_or_expired_token_fails_the_next_operation_on_an_open_socket(live, in_header, how):
    address, engine, tokens = live
    async with socket(address, tokens["observer"], in_header=in_header) as ws:
        assert (await ws.run(OBSERVED))["data"]["user"]["id"] == str(OBSERVED_STUDENT)
        if how == "been revoked":
            assert await revoke_token(engine, tokens["observer"])
        else:
            await sql(engine, expire(tokens["observer"]))
        result = await ws.run(OBSERVED)
        assert [(e["extensions"]["code"], e["message"]) for e in result["errors"]] == [
            ("UNAUTHENTICATED", f"Access token has {how}.")]


async def test_a_removed_observer_link_fails_the_next_query_and_mutation_on_an_open_socket(live):
    address, engine, tokens = live
    async with socket(address, tokens["observer"]) as ws:
        assert (await ws.run(OBSERVED))["data"]["user"]["id"] == str(OBSERVED_STUDENT)
        await sql(engine, delete(m.Enrollment).where(m.Enrollment.user_id == OBSERVER))
        assert codes(await ws.run(OBSERVED)) == ["NOT_FOUND"]
    async with socket(address, tokens["teacher"]) as ws:
        assert "id" in (await ws.run(ENQUEUE))["data"]["enqueueOutcomeRollupCalculation"]
        await sql(engine, delete(m.Enrollment).where(m.Enrollment.user_id == TEACHER))
        assert codes(await ws.run(ENQUEUE)) == ["NOT_FOUND"]


async def _watch_until_refused(ws: Socket, address: str, token: str, student: int | None, change) -> list[str]:
    """Watches a fresh job (the student's, or the course's), applies the change with SQL while the
    subscription runs, and returns the codes of what ends it."""
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        job = (await http.post("/graphql", json={"query": ENQUEUE, "variables": {"u": student}},
                               headers={"Authorization": f"Bearer {token}"})).json()
    job_id = job["data"]["enqueueOutcomeRollupCalculation"]["id"]
    op = await ws.begin(WATCH, {"id": job_id})
    assert await ws.result(op) == {"data": {"rollupJobUpdated": {"id": job_id, "state": "QUEUED"}}}
    await sql(ws.engine, change)
    ending = await ws.result(op)  # the next poll: the job has not changed, so the only message is the refusal
    assert not (ending.get("data") or {}).get("rollupJobUpdated"), ending
    assert await ws.receive() == {"id": op, "type": "complete"}
    return codes(ending)


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
async def test_a_running_subscription_ends_with_an_error_when_its_token_is_revoked_or_expires(live, protocol):
    address, engine, tokens = live
    for name, change in [("teacher", update(m.ApiToken).where(m.ApiToken.token_hash == hash_token(tokens["teacher"]))
                                     .values(revoked_at=datetime(2026, 1, 1))),
                         ("admin", expire(tokens["admin"]))]:
        async with socket(address, tokens[name], protocol=protocol, engine=engine) as ws:
            assert await _watch_until_refused(ws, address, tokens[name], None, change) == ["UNAUTHENTICATED"]
            if protocol == "graphql-transport-ws":  # the legacy protocol runs subscriptions only
                assert codes(await ws.run(ENQUEUE)) == ["UNAUTHENTICATED"]


async def test_a_running_subscription_ends_with_an_error_when_the_viewer_loses_access(live):
    address, engine, tokens = live
    async with socket(address, tokens["teacher"], engine=engine) as ws:  # the teacher leaves the course
        leave = delete(m.Enrollment).where(m.Enrollment.user_id == TEACHER)
        assert await _watch_until_refused(ws, address, tokens["teacher"], None, leave) == ["NOT_FOUND"]
    async with socket(address, tokens["ta"], engine=engine) as ws:  # the student leaves the TA's only section
        moved = update(m.Enrollment).where(m.Enrollment.user_id == TA_STUDENT).values(section_id=OTHER_SECTION)
        assert await _watch_until_refused(ws, address, tokens["ta"], TA_STUDENT, moved) == ["NOT_FOUND"]


async def test_a_database_fault_at_an_operations_token_lookup_is_a_coded_error_and_the_socket_lives_on(
        live, monkeypatch):
    """Each operation looks its token up again, outside strawberry's error handling: a storage fault there must
    answer SERVICE_UNAVAILABLE (issue 18), not kill the operation or the socket."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    import outcome_graph.context as context_module

    address, engine, tokens = live
    lookup = context_module.viewer_for

    async def failing(reader, authorization):
        raise OperationalError("SELECT …", {}, sqlite3.OperationalError("disk I/O error"))

    async with socket(address, tokens["observer"]) as ws:
        monkeypatch.setattr(context_module, "viewer_for", failing)
        result = await ws.run(OBSERVED)
        assert [(e["extensions"]["code"], e["extensions"]["reason"]) for e in result["errors"]] == [
            ("SERVICE_UNAVAILABLE", "io_error")]
        monkeypatch.setattr(context_module, "viewer_for", lookup)
        assert (await ws.run(OBSERVED))["data"]["user"]["id"] == str(OBSERVED_STUDENT)
