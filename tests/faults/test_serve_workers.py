"""Several processes serving one database (docs/deployment.md): a write through one is never answered stale by
another's response cache, and `serve --workers 2` runs two HTTP processes and exactly one job worker, each
restarted when it dies, and exits 0 on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from outcome_graph.db import jobs
from outcome_graph.db import models as m
from tests.faults.check import SERVED, Ledger, assert_consistent, write
from tests.faults.test_processes_killed import QUIET, cli, free_port, stop

ROLLUP = """{ course(id: 1) { outcomeRollups(first: 100) { edges { node { user { id }
  scores { outcome { id } score count } } } } } }"""
ENQUEUE = 'mutation($u: ID) { enqueueOutcomeRollupCalculation(courseId: "1", userId: $u) { id } }'
PAIR = (101, 401)  # a student of the demo course and an alignment of outcome 201


async def healthy(proc: subprocess.Popen, port: int) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(1200):
            assert proc.poll() is None, stop(proc)
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    pytest.fail("serve never answered: " + stop(proc))


def score_of(body: dict, user: int, outcome: int):
    assert "errors" not in body, body
    for edge in body["data"]["course"]["outcomeRollups"]["edges"]:
        if int(edge["node"]["user"]["id"]) == user:
            return next((s["score"], s["count"]) for s in edge["node"]["scores"] if int(s["outcome"]["id"]) == outcome)
    raise AssertionError(f"user {user} not on the page")


async def test_a_write_through_one_process_is_never_served_stale_by_another(api, settings):
    """Each process caches the page; after a write through the first, the second answers the new score."""
    ports = [free_port(), free_port()]
    env = {"OUTCOME_GRAPH_RUN_WORKER": "false", "OUTCOME_GRAPH_RESPONSE_CACHE_SIZE": "64"}
    procs = [cli("serve", "--database", settings.database_url, "--port", str(p), "--workers", "1", env=env)
             for p in ports]
    headers = {"Authorization": f"Bearer {api.tokens['teacher']}"}
    try:
        for proc, port in zip(procs, ports):
            await healthy(proc, port)
        clients = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", timeout=30, headers=headers) for p in ports]
        try:
            async def page(client):
                return (await client.post("/graphql", json={"query": ROLLUP})).json()

            before = [score_of(await page(c), PAIR[0], 201) for c in clients for _ in range(2)]  # cached twice
            assert len(set(before)) == 1, before
            score = 0.0 if before[0][0] == 4.0 else 4.0
            ledger = Ledger()
            assert (await write(clients[0], api.tokens["teacher"], ledger, PAIR, score)).status_code == 200
            after = [score_of(await page(c), PAIR[0], 201) for c in reversed(clients)]
            assert after[0] == after[1] != before[0], (before, after)
            served = (await clients[1].post("/graphql", json={"query": SERVED})).json()
        finally:
            for client in clients:
                await client.aclose()
    finally:
        for proc in procs:
            stop(proc, signal.SIGTERM)
    await assert_consistent(api.engine, ledger, served["data"])


def children(pid: int) -> set[int]:
    """The live child processes of pid (Linux /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def spawned(pid: int) -> set[int]:
    """Children that run our code (multiprocessing's resource tracker left out)."""
    out = set()
    for child in children(pid):
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                out.add(child)
        except OSError:
            continue
    return out


async def until(check, seconds: float = 60.0):
    for _ in range(int(seconds / 0.05)):
        value = check()
        if value:
            return value
        await asyncio.sleep(0.05)
    pytest.fail("timed out waiting")


async def test_serve_workers_runs_two_http_processes_and_one_job_worker_and_restarts_them(api, settings, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**QUIET, "OUTCOME_GRAPH_JOB_DELAY_SECONDS": "0", "OUTCOME_GRAPH_JOB_LEASE_SECONDS": "30"}
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "outcome_graph", "serve", "--database", settings.database_url,
                                 "--port", str(port), "--workers", "2"], env={**os.environ, **env}, stdout=out,
                                stderr=subprocess.STDOUT)
    headers = {"Authorization": f"Bearer {api.tokens['teacher']}"}
    seen: set[int] = set()
    try:
        await healthy(proc, port)

        def job_workers() -> list[int]:
            return [int(x) for x in re.findall(r"Started job worker process \[(\d+)\]", log.read_text())]

        await until(lambda: len(spawned(proc.pid)) == 3 and job_workers())
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30, headers=headers) as client:
            async def run_jobs(users) -> set[int]:
                """Enqueues one job per user over HTTP; the pids of the workers that ran them."""
                ids = []
                for user in users:
                    body = (await client.post("/graphql", json={"query": ENQUEUE, "variables": {"u": user}})).json()
                    ids.append(int(body["data"]["enqueueOutcomeRollupCalculation"]["id"]))

                async def done():
                    async with api.engine.connect() as conn:
                        rows = (await conn.execute(select(m.RollupJob.state, m.RollupJob.worker, m.RollupJob.attempts)
                                                   .where(m.RollupJob.id.in_(ids)))).all()
                    return rows if {r.state for r in rows} == {jobs.SUCCEEDED} else None

                for _ in range(1200):
                    rows = await done()
                    if rows:
                        assert {r.attempts for r in rows} == {1}, rows
                        return {int(r.worker.split(":")[1]) for r in rows}
                    await asyncio.sleep(0.05)
                pytest.fail(f"jobs {ids} never finished: {log.read_text()[-3000:]}")

            [first] = job_workers()
            assert await run_jobs(["101", "102", None, "103"]) == {first}  # one job worker, not one per process
            http = spawned(proc.pid) - {first}
            assert len(http) == 2

            os.kill(first, signal.SIGKILL)
            await until(lambda: len(job_workers()) == 2)
            second = job_workers()[1]
            assert await run_jobs(["104", None]) == {second}

            victim = min(http)
            os.kill(victim, signal.SIGKILL)
            await until(lambda: victim not in spawned(proc.pid) and len(spawned(proc.pid) - {second}) == 2)
            for _ in range(20):  # the port keeps answering, from the survivor and the replacement
                body = (await client.post("/graphql", json={"query": "{ course(id: 1) { id } }"})).json()
                assert body == {"data": {"course": {"id": "1"}}}
            seen = spawned(proc.pid)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    text = log.read_text()
    assert code == 0, text[-3000:]
    assert "Traceback" not in text, text
    assert len(seen) == 3 and not any(Path(f"/proc/{pid}").exists() for pid in seen)  # all stopped with it
    await assert_consistent(api.engine, Ledger(), await api.query(SERVED, as_="teacher"))

