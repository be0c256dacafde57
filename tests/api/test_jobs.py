"""Rollup jobs end to end: enqueue through the API, run by a worker (in-process, in the app, or a killed
and restarted subprocess), watched over a WebSocket subscription; on both databases."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from outcome_graph.app import create_app
from outcome_graph.db import models as m
from outcome_graph.jobs.worker import TEST_SLEEP_ENV, Worker
from outcome_graph.settings import Settings
from tests.api.live import demo_tokens, serving

ROOT = Path(__file__).resolve().parents[2]
ENQUEUE = 'mutation($u: ID) { enqueueOutcomeRollupCalculation(courseId: "1", userId: $u) { id state } }'
JOB = "query($id: ID!) { rollupJob(id: $id) { id state progress attempts error finishedAt user { id } } }"


@pytest.fixture
def settings(database_url) -> Settings:
    """Jobs due at once, so a worker picks them up without waiting a minute."""
    return Settings(database_url=database_url, run_worker=False, response_cache_size=0, job_delay_seconds=0)


async def stored(engine) -> dict[tuple[int, int], tuple]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(m.Rollup.user_id, m.Rollup.outcome_id, m.Rollup.score, m.Rollup.count,
                                         m.Rollup.version).where(m.Rollup.course_id == 1))
        return {(r.user_id, r.outcome_id): (r.score, r.count, r.version) for r in rows}


async def corrupt(engine, user_id: int | None = None) -> None:
    """Stored rollups that a recalculation must put right."""
    stmt = update(m.Rollup).values(score=-1.0)
    async with engine.begin() as conn:
        await conn.execute(stmt if user_id is None else stmt.where(m.Rollup.user_id == user_id))


async def job_row(engine, job_id):
    async with engine.connect() as conn:
        return (await conn.execute(select(m.RollupJob).where(m.RollupJob.id == int(job_id)))).one()


async def test_a_student_job_is_claimed_and_recalculates_the_student(api, settings):
    good = await stored(api.engine)
    await corrupt(api.engine, 101)
    job = (await api.query(ENQUEUE, {"u": "101"}, as_="teacher"))["enqueueOutcomeRollupCalculation"]
    assert job["state"] == "QUEUED"
    worker = Worker(api.engine, settings)
    assert await worker.run_once() is True
    assert await worker.run_once() is False
    assert await stored(api.engine) == good
    row = await job_row(api.engine, job["id"])
    assert (row.state, row.progress, row.attempts, row.error, row.finished_at is not None) == \
        ("succeeded", 1.0, 1, None, True)
    data = await api.query(JOB, {"id": job["id"]}, as_="teacher")
    assert data["rollupJob"] == {"id": job["id"], "state": "SUCCEEDED", "progress": 1.0, "attempts": 1,
                                 "error": None, "finishedAt": data["rollupJob"]["finishedAt"],
                                 "user": {"id": "101"}}
    for role, code in (("student", "NOT_FOUND"), ("observer", "NOT_FOUND"), ("designer", "NOT_FOUND")):
        body = await api.query(JOB, {"id": job["id"]}, as_=role, errors=True)
        assert body["errors"][0]["extensions"]["code"] == code
    body = await api.query(JOB, {"id": "999"}, as_="admin", errors=True)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_scoring_change_is_recalculated_by_a_course_job(api, settings):
    await api.query('mutation { updateOutcome(courseId: "1", outcomeId: "201", input: {calculationMethod: HIGHEST}) '
                    '{ id } }', as_="teacher")
    stale = await stored(api.engine)
    async with api.engine.connect() as conn:
        version = (await conn.execute(select(m.Course.scoring_version).where(m.Course.id == 1))).scalar_one()
    assert {v[2] for v in stale.values()} == {version - 1}
    q = '{ course(id: 1) { outcomeRollups(first: 100) { edges { node { user { id } scores { outcome { id } score ' \
        'count } } } } } }'
    before = await api.query(q, as_="teacher")  # computed on the fly from stale rows
    assert await Worker(api.engine, settings).run_once() is True
    fresh = await stored(api.engine)
    assert {v[2] for v in fresh.values()} == {version} and fresh.keys() == stale.keys()
    assert fresh[(103, 201)][0] == 3.0 and stale[(103, 201)][0] == 2.65  # highest now, decaying average before
    assert await api.query(q, as_="teacher") == before  # reads were never stale



async def test_subscription_follows_a_job_run_by_the_apps_own_worker(settings):
    """graphql-transport-ws: QUEUED first, SUCCEEDED last; the token may come in connection_init."""
    settings = settings.with_(run_worker=True, worker_poll_seconds=0.05, job_delay_seconds=0.6)
    tokens = await demo_tokens(settings.database_url)
    sub = "subscription($id: ID!) { rollupJobUpdated(id: $id) { id state progress user { id } } }"
    protocol = [Subprotocol("graphql-transport-ws")]

    async def send(ws, message):
        await ws.send(json.dumps(message))

    async def receive(ws):
        return json.loads(await asyncio.wait_for(ws.recv(), 20))

    async with serving(create_app(settings)) as address:
        async with httpx.AsyncClient(base_url=f"http://{address}") as http:
            job = (await http.post("/graphql", json={"query": ENQUEUE, "variables": {"u": "101"}},
                                   headers={"Authorization": f"Bearer {tokens['teacher']}"})).json()
        job_id = job["data"]["enqueueOutcomeRollupCalculation"]["id"]
        async with connect(f"ws://{address}/graphql", subprotocols=protocol) as ws:
            await send(ws, {"type": "connection_init", "payload": {"Authorization": f"Bearer {tokens['teacher']}"}})
            assert (await receive(ws))["type"] == "connection_ack"
            await send(ws, {"id": "1", "type": "subscribe", "payload": {"query": sub, "variables": {"id": job_id}}})
            updates = []
            while (msg := await receive(ws))["type"] == "next":
                updates.append(msg["payload"]["data"]["rollupJobUpdated"])
            assert msg == {"id": "1", "type": "complete"}
        states = [u["state"] for u in updates]
        assert states[0] == "QUEUED" and states[-1] == "SUCCEEDED" and len(states) == len(set(states))
        assert updates[-1] == {"id": job_id, "state": "SUCCEEDED", "progress": 1.0, "user": {"id": "101"}}
        # a student may not watch it (the token in the handshake's header this time)
        async with connect(f"ws://{address}/graphql", subprotocols=protocol,
                           additional_headers={"Authorization": f"Bearer {tokens['student']}"}) as ws:
            await send(ws, {"type": "connection_init"})
            assert (await receive(ws))["type"] == "connection_ack"
            await send(ws, {"id": "1", "type": "subscribe", "payload": {"query": sub, "variables": {"id": job_id}}})
            msg = await receive(ws)
            errors = msg["payload"]["errors"] if msg["type"] == "next" else msg["payload"]
            assert [(e["extensions"]["code"], e["message"]) for e in errors] == [
                ("NOT_FOUND", "The specified resource does not exist.")]


async def _line(proc: subprocess.Popen, text: str) -> bool:
    def scan() -> bool:
        return any(text in line for line in proc.stderr)
    return await asyncio.to_thread(scan)


def _worker(url: str, *extra: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "outcome_graph", "worker", "--database", url, *extra],
                            cwd=ROOT, env={**os.environ, **env}, stderr=subprocess.PIPE, text=True)


async def test_a_worker_killed_mid_job_leaves_nothing_behind_and_the_job_completes_after_restart(api, settings):
    good = await stored(api.engine)
    await corrupt(api.engine)
    corrupted = await stored(api.engine)
    job = (await api.query(ENQUEUE, {"u": None}, as_="teacher"))["enqueueOutcomeRollupCalculation"]
    env = {"OUTCOME_GRAPH_JOB_LEASE_SECONDS": "1", "OUTCOME_GRAPH_WORKER_POLL_SECONDS": "0.1"}
    proc = _worker(settings.database_url, env={**env, TEST_SLEEP_ENV: "60"})
    try:
        # the worker says when it has written a batch and sleeps before committing
        assert await asyncio.wait_for(_line(proc, f"job {job['id']}: 100% written, sleeping"), 60)
        assert await stored(api.engine) == corrupted  # nothing committed yet
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(10)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    row = await job_row(api.engine, job["id"])
    assert (row.state, row.attempts) == ("running", 1)  # the claim was committed, the work was not
    assert await stored(api.engine) == corrupted

    await asyncio.sleep(1.2)  # the one-second lease runs out
    again = _worker(settings.database_url, "--once", env=env)
    try:
        _, err = again.communicate(timeout=60)
    finally:
        again.kill()
    assert again.returncode == 0, err
    row = await job_row(api.engine, job["id"])
    assert (row.state, row.attempts, row.progress) == ("succeeded", 2, 1.0)
    assert await stored(api.engine) == good
