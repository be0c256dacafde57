"""The rollup job queue (db/jobs.py) and worker loop, on both databases, without HTTP."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from outcome_graph.db import jobs
from outcome_graph.db import models as m
from outcome_graph.db.engine import create_engine, writer
from outcome_graph.jobs.worker import Worker, recalculate
from outcome_graph.settings import Settings

COURSES = 40


@pytest.fixture
async def engine(database_url):
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(insert(m.Course), [{"id": c, "name": f"Course {c}"} for c in range(1, COURSES + 1)])
        await conn.execute(insert(m.User), [{"id": 7, "name": "Sam", "sortable_name": "Sam"}])
    yield engine
    await engine.dispose()


async def enqueue(engine, course_id: int, user_id: int | None, delay: float = 0.0, now=None, **kw) -> int:
    async with writer(engine).begin() as conn:
        return await jobs.enqueue(conn, course_id, user_id, delay=delay, now=now, **kw)


async def row(engine, job_id: int):
    async with engine.connect() as conn:
        return await jobs.get(conn, job_id)


async def test_one_queued_job_per_pair(engine):
    now = jobs.utcnow()
    first = await enqueue(engine, 1, 7, delay=60, now=now)
    again = await enqueue(engine, 1, 7, delay=60, now=now + timedelta(seconds=5))
    assert again == first and (await row(engine, first)).run_after == now + timedelta(seconds=65)
    whole = await enqueue(engine, 1, None, delay=70, now=now)
    other = await enqueue(engine, 2, 7, delay=70, now=now)
    assert len({first, whole, other}) == 3
    # a running job is not replaced: it may have read the data before the change
    claimed = await jobs.claim(engine, "w", 30, now=now + timedelta(seconds=66))
    assert claimed.id == first
    assert await enqueue(engine, 1, 7, delay=60, now=now) not in (first, whole, other)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_job_claimed_while_a_write_postpones_it_is_followed_by_a_new_job(engine, monkeypatch):
    """The race two replicas found (bench/replicas.py): a write reads its pair's QUEUED job, a worker claims it,
    and the write's postponement landed on the running job (attempts back to 0; the change not covered)."""
    first = await enqueue(engine, 1, 7)
    read = jobs._queued
    claimed = []

    async def claimed_meanwhile(conn, course_id, user_id):
        pending = await read(conn, course_id, user_id)
        claimed.append(await jobs.claim(engine, "w", 30))  # another connection: PostgreSQL lets it through
        return pending

    monkeypatch.setattr(jobs, "_queued", claimed_meanwhile)
    second = await enqueue(engine, 1, 7, delay=60)
    assert claimed[0].id == first and second != first
    running, queued = await row(engine, first), await row(engine, second)
    assert (running.state, running.attempts) == (jobs.RUNNING, 1)
    assert (queued.state, queued.attempts) == (jobs.QUEUED, 0)


async def test_claim_leases_due_jobs_in_order_and_expired_leases_are_claimed_again(engine):
    now = jobs.utcnow()
    late = await enqueue(engine, 1, None, delay=20, now=now)
    early = await enqueue(engine, 2, None, delay=10, now=now)
    assert await jobs.claim(engine, "a", 30, now=now + timedelta(seconds=5)) is None  # nothing due yet
    a = await jobs.claim(engine, "a", 30, now=now + timedelta(seconds=25))
    b = await jobs.claim(engine, "b", 30, now=now + timedelta(seconds=25))
    assert (a.id, b.id) == (early, late) and (a.attempts, b.attempts) == (1, 1)
    assert await jobs.claim(engine, "c", 30, now=now + timedelta(seconds=26)) is None  # both leased
    got = await row(engine, a.id)
    assert (got.state, got.worker, got.lease_until) == ("running", "a", now + timedelta(seconds=55))

    assert await jobs.heartbeat(engine, a, 0.5, 30) is True  # progress, and the lease from the clock's now
    assert (await row(engine, a.id)).progress == 0.5

    c = await jobs.claim(engine, "c", 30, now=now + timedelta(seconds=90))  # a's lease ran out
    assert (c.id, c.attempts, c.worker) == (early, 2, "c")
    assert await jobs.heartbeat(engine, a, 0.9, 30) is False  # a learns it lost the job
    async with writer(engine).begin() as conn:
        assert await jobs.complete(conn, a) is False  # fenced: a lost the job to c
        assert await jobs.complete(conn, c) is True
    done = await row(engine, early)
    assert (done.state, done.progress, done.finished_at is not None) == ("succeeded", 1.0, True)


async def test_failures_back_off_exponentially_then_fail(engine):
    now = jobs.utcnow()
    job_id = await enqueue(engine, 1, 7, now=now)
    at = now
    for attempt in (1, 2):
        job = await jobs.claim(engine, "w", 30, now=at)
        assert (job.id, job.attempts) == (job_id, attempt)
        assert await jobs.fail(engine, job, f"boom {attempt}", backoff_seconds=5, now=at) == "queued"
        got = await row(engine, job_id)
        assert (got.state, got.error, got.run_after) == ("queued", f"boom {attempt}",
                                                         at + timedelta(seconds=5 * 2 ** attempt))
        assert await jobs.claim(engine, "w", 30, now=got.run_after - timedelta(seconds=1)) is None
        at = got.run_after
    job = await jobs.claim(engine, "w", 30, now=at)
    assert await jobs.fail(engine, job, "boom 3", backoff_seconds=5, now=at) == "failed"
    got = await row(engine, job_id)
    assert (got.state, got.attempts, got.error, got.finished_at) == ("failed", 3, "boom 3", at)
    # never given up (stored rollups must not stay stale for good): tried again after the capped back-off
    retry = timedelta(seconds=jobs.DEFAULT_RETRY_SECONDS)
    assert await jobs.claim(engine, "w", 30, now=at + retry - timedelta(seconds=1)) is None
    again = await jobs.claim(engine, "w", 30, now=at + retry)
    assert (again.id, again.attempts) == (job_id, 4)
    assert (await row(engine, job_id)).error == "boom 3"  # the last failure stays reported until a success


async def test_a_job_whose_worker_died_on_its_last_attempt_fails(engine):
    now = jobs.utcnow()
    job_id = await enqueue(engine, 1, None, now=now, max_attempts=1)
    assert (await jobs.claim(engine, "dead", 10, now=now)).id == job_id
    assert await jobs.claim(engine, "w", 10, now=now + timedelta(seconds=11)) is None
    got = await row(engine, job_id)
    assert (got.state, got.error) == ("failed", jobs.LEASE_EXPIRED)


async def test_a_failure_with_a_newer_request_queued_is_covered_by_it(engine):
    now = jobs.utcnow()
    job_id = await enqueue(engine, 1, 7, now=now)
    job = await jobs.claim(engine, "w", 30, now=now)
    newer = await enqueue(engine, 1, 7, now=now)
    assert await jobs.fail(engine, job, "boom", backoff_seconds=5, now=now) == "failed"
    assert (await row(engine, job_id)).error == f"boom (superseded by job {newer})"
    assert (await row(engine, newer)).state == "queued"
    later = now + timedelta(days=2)
    assert (await jobs.claim(engine, "w", 30, now=later)).id == newer
    assert await jobs.claim(engine, "w", 30, now=later) is None  # the superseded one is never tried again


async def test_the_worker_retries_a_failing_job_until_it_fails(engine):
    calls = []

    async def boom(engine, job, progress):
        calls.append(job.attempts)
        raise RuntimeError("no luck")

    job_id = await enqueue(engine, 1, 7)
    worker = Worker(engine, Settings(job_backoff_seconds=0), execute=boom)
    await worker.run(asyncio.Event(), once=True)
    got = await row(engine, job_id)
    assert calls == [1, 2, 3]
    assert (got.state, got.attempts, got.error) == ("failed", 3, "RuntimeError: no luck")


async def test_two_workers_never_run_the_same_job(engine, database_url):
    """Many jobs, two claim loops on separate connection pools: each job runs exactly once."""
    ids = [await enqueue(engine, c, None) for c in range(1, COURSES + 1)]
    ran: dict[str, list[int]] = {"a": [], "b": []}

    def runner(name):
        async def execute(engine, job, progress):
            ran[name].append(job.id)
            await asyncio.sleep(0.005)
            return await recalculate(engine, job, progress)
        return execute

    other = create_engine(database_url)
    try:
        stop = asyncio.Event()
        await asyncio.gather(Worker(engine, Settings(), name="a", execute=runner("a")).run(stop, once=True),
                             Worker(other, Settings(), name="b", execute=runner("b")).run(stop, once=True))
    finally:
        await other.dispose()
    assert sorted(ran["a"] + ran["b"]) == sorted(ids)
    assert ran["a"] and ran["b"]
    async with engine.connect() as conn:
        states = (await conn.execute(select(m.RollupJob.state, m.RollupJob.attempts))).all()
    assert set(states) == {("succeeded", 1)}
