"""Jobs under contention (issue 18, findings 6 and 7): a job waiting for its course lock keeps its lease (it never
runs twice), and a whole-course recalculation commits in batches, so a write to the course completes while the
job is still running."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from outcome_graph.db import jobs, locks
from outcome_graph.db import models as m
from outcome_graph.db.engine import writer
from outcome_graph.jobs.worker import Worker
from outcome_graph.settings import Settings
from tests.faults.check import SERVED, Ledger, assert_consistent, write

ENQUEUE = 'mutation { enqueueOutcomeRollupCalculation(courseId: "1") { id } }'
CHANGE = 'mutation { updateOutcome(courseId: "1", outcomeId: "201", input: {calculationMethod: HIGHEST}) { id } }'


async def job_row(engine, job_id: int):
    async with engine.connect() as conn:
        return await jobs.get(conn, job_id)


async def until(predicate, what: str, attempts: int = 400) -> None:
    """Polls an ordering condition (not a time limit): fails only if it never happens."""
    for _ in range(attempts):
        if await predicate():
            return
        await asyncio.sleep(0.025)
    pytest.fail(f"never happened: {what}")


async def course_job(api) -> int:
    return int((await api.query(ENQUEUE, as_="teacher"))["enqueueOutcomeRollupCalculation"]["id"])


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_job_waiting_for_its_course_lock_keeps_its_lease_and_runs_once(api, settings):
    """PostgreSQL: the course's advisory lock held elsewhere for several leases; no second worker takes the job."""
    settings = settings.with_(job_lease_seconds=0.6, job_delay_seconds=0)
    await api.query(CHANGE, as_="teacher")  # stored rollups now stale: the job has work to do
    job_id = await course_job(api)
    first = Worker(api.engine, settings, name="first")
    async with writer(api.engine).begin() as holder:
        await locks.lock(holder, locks.COURSE_WRITES, 1)  # a long write of course 1 in progress
        running = asyncio.create_task(first.run_once())
        await until(lambda: _state_is(api.engine, job_id, jobs.RUNNING), "the first worker claims the job")
        for _ in range(12):  # about four leases
            assert await jobs.claim(api.engine, "second", settings.job_lease_seconds) is None, "claimed twice"
            await asyncio.sleep(0.2)
        assert not running.done()
    assert await running is True
    row = await job_row(api.engine, job_id)
    assert (row.state, row.attempts, row.worker) == (jobs.SUCCEEDED, 1, "first")
    await assert_consistent(api.engine, Ledger(), await api.query(SERVED, as_="teacher"))


async def _state_is(engine, job_id: int, state: str) -> bool:
    return (await job_row(engine, job_id)).state == state


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(database_url=database_url, run_worker=False, response_cache_size=0, job_delay_seconds=0,
                    recalc_batch_size=4)


async def test_a_write_completes_while_a_whole_course_job_is_still_running(api, settings):
    """Batches of four students, each held open a moment (the test hook): the write lands between two batches."""
    await api.query(CHANGE, as_="teacher")
    job_id = await course_job(api)
    worker = Worker(api.engine, settings, test_sleep=0.15)
    running = asyncio.create_task(worker.run_once())
    await until(lambda: _progressed(api.engine, job_id), "the job commits its first batch")
    ledger = Ledger()
    response = await write(api.client, api.tokens["teacher"], ledger, (130, 401), 3.0)
    assert response is not None and "errors" not in response.json(), response.json()
    row = await job_row(api.engine, job_id)
    assert row.state == jobs.RUNNING and 0 < row.progress < 1, row  # the write did not wait for the whole job
    assert not running.done()
    assert await running is True
    assert (await job_row(api.engine, job_id)).state == jobs.SUCCEEDED
    await assert_consistent(api.engine, ledger, await api.query(SERVED, as_="teacher"))


async def _progressed(engine, job_id: int) -> bool:
    return (await job_row(engine, job_id)).progress > 0


async def test_a_scoring_change_during_a_batched_job_leaves_nothing_stale_for_good(api, settings):
    """A change between two batches: the batches after it store the new version, a new job covers the rest."""
    job_id = await course_job(api)
    worker = Worker(api.engine, settings, test_sleep=0.1)
    running = asyncio.create_task(worker.run_once())
    await until(lambda: _progressed(api.engine, job_id), "the job commits its first batch")
    await api.query(CHANGE, as_="teacher")
    assert await running is True
    async with api.engine.connect() as conn:
        version = (await conn.execute(select(m.Course.scoring_version).where(m.Course.id == 1))).scalar_one()
        versions = set((await conn.execute(select(m.Rollup.version).distinct())).scalars())
    assert version in versions  # later batches read the new version under the course lock
    while await Worker(api.engine, settings).run_once():  # the job the change queued
        pass
    await assert_consistent(api.engine, Ledger(), await api.query(SERVED, as_="teacher"))
