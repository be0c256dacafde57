"""Processes killed and several workers (issue 18): SIGKILL of a live `outcome-graph serve` during writes and of
`outcome-graph worker` during a course recalculation, then restart; two workers on one PostgreSQL. Each ends
with every acknowledged write present once and every stored and served rollup equal to a fresh computation."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from outcome_graph.db import jobs
from outcome_graph.db import models as m
from outcome_graph.db.engine import writer
from outcome_graph.jobs.worker import TEST_SLEEP_ENV
from outcome_graph.settings import Settings
from tests.faults.check import ALIGNMENTS, SERVED, STUDENTS, Ledger, assert_consistent, write

ROOT = Path(__file__).resolve().parents[2]
CHANGE = 'mutation { updateOutcome(courseId: "1", outcomeId: "201", input: {calculationMethod: HIGHEST}) { id } }'
ENQUEUE = 'mutation { enqueueOutcomeRollupCalculation(courseId: "1") { id } }'
QUIET = {"OUTCOME_GRAPH_WORKER_POLL_SECONDS": "0.05", "OUTCOME_GRAPH_JOB_LEASE_SECONDS": "1"}


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(database_url=database_url, run_worker=False, response_cache_size=0, job_delay_seconds=0)


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "outcome_graph", *args], cwd=ROOT,
                            env={**os.environ, **(env or {})}, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True)


def stop(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> str:
    """Signals the process, waits for it, and returns what it logged."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    return err or ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def serving(url: str, port: int) -> subprocess.Popen:
    proc = cli("serve", "--database", url, "--port", str(port), "--workers", "1",
               env={"OUTCOME_GRAPH_RUN_WORKER": "false"})
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            assert proc.poll() is None, stop(proc)
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return proc
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    pytest.fail("serve never answered: " + stop(proc))


async def test_serve_killed_during_writes_loses_nothing_acknowledged(api, settings):
    port = free_port()
    ledger = Ledger()
    proc = await serving(settings.database_url, port)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            killed = asyncio.Event()

            async def writer_of(student: int) -> None:
                score = 0.0
                while not killed.is_set():
                    for alignment in ALIGNMENTS:
                        score = (score + 1) % 5
                        if await write(client, api.tokens["teacher"], ledger, (student, alignment), score) is None:
                            return

            async def killer() -> None:
                while len(ledger.acknowledged) < 24:
                    await asyncio.sleep(0.01)
                proc.send_signal(signal.SIGKILL)  # while every writer has a request in flight or about to
                killed.set()

            await asyncio.gather(killer(), *(writer_of(s) for s in STUDENTS[:6]))
    finally:
        stop(proc)
    assert proc.returncode == -signal.SIGKILL
    proc = await serving(settings.database_url, port)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            served = (await client.post("/graphql", json={"query": SERVED},
                                        headers={"Authorization": f"Bearer {api.tokens['teacher']}"})).json()
    finally:
        stop(proc, signal.SIGTERM)
    assert "errors" not in served, served
    await assert_consistent(api.engine, ledger, served["data"])


async def _lines(proc: subprocess.Popen, text: str, count: int) -> list[str]:
    """Reads the process's log until `text` appeared `count` times."""
    def scan() -> list[str]:
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if sum(text in s for s in seen) >= count:
                return seen
        return seen
    return await asyncio.to_thread(scan)


async def test_worker_killed_mid_course_job_leaves_whole_batches_and_the_job_completes(api, settings):
    await api.query(CHANGE, as_="teacher")  # every stored rollup stale: the job rewrites the whole course
    job_id = int((await api.query(ENQUEUE, as_="teacher"))["enqueueOutcomeRollupCalculation"]["id"])
    env = {**QUIET, "OUTCOME_GRAPH_RECALC_BATCH_SIZE": "4"}
    proc = cli("worker", "--database", settings.database_url, env={**env, TEST_SLEEP_ENV: "0.3"})
    try:
        seen = await asyncio.wait_for(_lines(proc, "written, sleeping", 3), 60)
        assert any("written, sleeping" in line for line in seen), seen
    finally:
        stop(proc)
    async with api.engine.connect() as conn:
        row = await jobs.get(conn, job_id)
        versions = set((await conn.execute(select(m.Rollup.version).distinct())).scalars())
    assert (row.state, row.attempts) == (jobs.RUNNING, 1) and 0 < row.progress < 1, row
    assert len(versions) == 2  # whole batches committed before the kill, the rest still on the old version

    await asyncio.sleep(1.2)  # the one-second lease runs out
    again = cli("worker", "--database", settings.database_url, "--once", env=env)
    err = stop_after(again)
    assert again.returncode == 0, err
    async with api.engine.connect() as conn:
        row = await jobs.get(conn, job_id)
    assert (row.state, row.attempts, row.progress) == (jobs.SUCCEEDED, 2, 1.0), row
    await assert_consistent(api.engine, Ledger(), await api.query(SERVED, as_="teacher"))


def stop_after(proc: subprocess.Popen) -> str:
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    return err


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_workers_on_one_postgres_claim_and_run_every_job_exactly_once(api, settings):
    await api.query(CHANGE, as_="teacher")
    env = {**QUIET, "OUTCOME_GRAPH_RECALC_BATCH_SIZE": "4", TEST_SLEEP_ENV: "0.1"}
    workers = [cli("worker", "--database", settings.database_url, env=env) for _ in range(2)]
    try:
        for w in workers:  # both polling before there is anything to claim
            await asyncio.wait_for(_lines(w, "polling", 1), 60)
        async with writer(api.engine).begin() as conn:
            for user in (*STUDENTS, None):
                await jobs.enqueue(conn, 1, user, delay=0)
        async with api.engine.connect() as conn:  # with the job the scoring change queued
            ids = list((await conn.execute(select(m.RollupJob.id))).scalars())
        for _ in range(1200):
            async with api.engine.connect() as conn:
                states = (await conn.execute(select(m.RollupJob.state).where(m.RollupJob.id.in_(ids)))).scalars()
                if set(states) == {jobs.SUCCEEDED}:
                    break
            assert all(w.poll() is None for w in workers)
            await asyncio.sleep(0.05)
    finally:
        logs = [stop(w, signal.SIGTERM) for w in workers]
    async with api.engine.connect() as conn:
        rows = (await conn.execute(select(m.RollupJob.id, m.RollupJob.state, m.RollupJob.attempts)
                                   .where(m.RollupJob.id.in_(ids)))).all()
    assert sorted(rows) == [(i, jobs.SUCCEEDED, 1) for i in sorted(ids)]  # each claimed once
    ran = [line.split("job ", 1)[1].split(":", 1)[0] for log in logs for line in log.splitlines()
           if line.endswith(": succeeded")]
    assert sorted(map(int, ran)) == sorted(ids), logs  # each run to the end exactly once, by one worker
    assert all(": succeeded" in log for log in logs)  # both took part
    await assert_consistent(api.engine, Ledger(), await api.query(SERVED, as_="teacher"))
