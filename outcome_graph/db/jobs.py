"""The persistent rollup recalculation queue (docs/behaviour.md §5.3, docs/architecture.md §3): rows, not
in-memory tasks.

Life of a job: QUEUED (due at run_after) -> RUNNING (claimed by one worker with a lease) -> SUCCEEDED, or
back to QUEUED with exponential backoff after a failure, or FAILED once max_attempts are used up.
A running job whose lease ran out (its worker died) is claimable again; its worker renews the lease while
it waits and runs (jobs/worker.py), and every batch it commits checks the claim is still its own.
A FAILED job is not given up: stored rollups must not stay on an old scoring version for good, so it is
claimed again every `retry_seconds` (the capped back-off, settings.job_max_backoff_seconds) until it
succeeds — unless a newer job for the same pair exists, which covers it. `attempts` keeps counting and
`error` keeps the last failure, so the job reports what is going on.
At most one QUEUED job exists per (course, user): a new request for the pair postpones the pending one
instead (docs/behaviour.md §5.3's singleton).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, delete, exists, insert, or_, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.ext.asyncio import AsyncEngine

from outcome_graph.db import locks
from outcome_graph.db import models as m
from outcome_graph.db.engine import writer

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
DEFAULT_MAX_ATTEMPTS = 3  # docs/behaviour.md §5.3: Canvas's rollup jobs get 3 attempts
DEFAULT_RETRY_SECONDS = 3600.0  # a FAILED job is tried again this long after its last failure
LEASE_EXPIRED = "the worker running this job stopped answering (lease expired)"
MAX_ERROR = 2000

JOB = m.RollupJob
COLUMNS = (JOB.id, JOB.course_id, JOB.user_id, JOB.state, JOB.progress, JOB.run_after, JOB.attempts,
           JOB.max_attempts, JOB.error, JOB.lease_until, JOB.worker, JOB.created_at, JOB.finished_at)


def utcnow() -> datetime:
    """Naive UTC, as every timestamp column stores it."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed job: what a worker needs to run it and to report back."""

    id: int
    course_id: int
    user_id: int | None
    attempts: int
    max_attempts: int
    worker: str
    lease_until: datetime


def _pair(course_id: int, user_id: int | None):
    return and_(JOB.course_id == course_id, JOB.user_id.is_(None) if user_id is None else JOB.user_id == user_id)


async def enqueue(conn, course_id: int, user_id: int | None, *, delay: float,
                  max_attempts: int = DEFAULT_MAX_ATTEMPTS, now: datetime | None = None) -> int:
    """Queues a recalculation of one student (or the whole course when user_id is None); returns its id.

    Runs in the caller's transaction. A QUEUED job for the same pair is postponed to the new run_after and
    starts afresh (attempts 0) instead of a second job being added (docs/behaviour.md §5.3: the singleton replaces the
    pending job). A RUNNING one is left alone: it may have read the data before the change, so a new job
    follows it.
    """
    await locks.lock(conn, locks.JOB_QUEUE, course_id * 1_000_003 + (user_id or 0))
    now = now or utcnow()
    run_after = now + timedelta(seconds=delay)
    pending = await _queued(conn, course_id, user_id)
    if pending:
        keep = pending[0]
        if len(pending) > 1:  # cannot happen through this module; heal it anyway
            await conn.execute(delete(JOB).where(JOB.id.in_(pending[1:])))
        # Still QUEUED: a worker does not take the queue lock, so it may have claimed the job since it was
        # read. Then that job may have read the data before this change: a new job follows it.
        postponed = await conn.execute(update(JOB).where(JOB.id == keep, JOB.state == QUEUED).values(
            run_after=run_after, attempts=0, max_attempts=max_attempts, error=None, progress=0.0))
        if postponed.rowcount:
            return keep
    return (await conn.execute(insert(JOB).values(
        course_id=course_id, user_id=user_id, state=QUEUED, progress=0.0, run_after=run_after, attempts=0,
        max_attempts=max_attempts, created_at=now).returning(JOB.id))).scalar_one()


async def _queued(conn, course_id: int, user_id: int | None) -> list[int]:
    """The pair's QUEUED jobs, oldest first."""
    return [row[0] for row in await conn.execute(
        select(JOB.id).where(_pair(course_id, user_id), JOB.state == QUEUED).order_by(JOB.id))]


def _latest():
    """No newer job exists for the same pair (a newer one covers this one's work)."""
    newer = aliased(JOB)
    return ~exists().where(newer.course_id == JOB.course_id, newer.id > JOB.id,
                           or_(newer.user_id == JOB.user_id, and_(newer.user_id.is_(None), JOB.user_id.is_(None))))


async def claim(engine: AsyncEngine, worker: str, lease_seconds: float, now: datetime | None = None,
                retry_seconds: float = DEFAULT_RETRY_SECONDS) -> Job | None:
    """Takes the next due job for this worker, or None.

    PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent workers pass each other by. SQLite: the whole
    claim is one BEGIN IMMEDIATE transaction, so claims are serialized.
    """
    now = now or utcnow()
    due = or_(and_(JOB.state == QUEUED, JOB.run_after <= now),
              and_(JOB.state == RUNNING, JOB.lease_until < now),
              and_(JOB.state == FAILED, JOB.run_after <= now, _latest()))
    stmt = select(*COLUMNS).where(due).order_by(JOB.run_after, JOB.id).limit(1)
    async with writer(engine).begin() as conn:
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        while True:
            row = (await conn.execute(stmt)).first()
            if row is None:
                return None
            if row.state == RUNNING and row.attempts >= row.max_attempts:
                # Its worker died on the last attempt: a job that kills workers is not retried forever.
                await conn.execute(update(JOB).where(JOB.id == row.id).values(
                    state=FAILED, error=LEASE_EXPIRED, finished_at=now, lease_until=None,
                    run_after=now + timedelta(seconds=retry_seconds)))
                continue
            lease_until = now + timedelta(seconds=lease_seconds)
            await conn.execute(update(JOB).where(JOB.id == row.id).values(
                state=RUNNING, lease_until=lease_until, worker=worker, attempts=row.attempts + 1, progress=0.0,
                finished_at=None))
            return Job(row.id, row.course_id, row.user_id, row.attempts + 1, row.max_attempts, worker, lease_until)


def _mine(job: Job):
    """Fencing: only the worker holding the job's current claim may report on it."""
    return and_(JOB.id == job.id, JOB.worker == job.worker, JOB.state == RUNNING)


async def report(conn, job: Job, progress: float, lease_seconds: float) -> bool:
    """Records progress and extends the lease in the caller's transaction; False if the claim was lost.

    A batch of the job's work calls it before committing: a worker that lost its claim commits nothing.
    """
    res = await conn.execute(update(JOB).where(_mine(job)).values(
        progress=max(0.0, min(progress, 1.0)), lease_until=utcnow() + timedelta(seconds=lease_seconds)))
    return res.rowcount > 0


async def heartbeat(engine: AsyncEngine, job: Job, progress: float, lease_seconds: float) -> bool:
    """report() in a short transaction of its own, while the job waits or runs."""
    async with writer(engine).begin() as conn:
        return await report(conn, job, progress, lease_seconds)


async def complete(conn, job: Job, now: datetime | None = None) -> bool:
    """Marks the job SUCCEEDED inside the transaction that did its work; False if the claim was lost.

    Being in the same transaction is what makes a job all-or-nothing: killed before the commit, neither
    its rollups nor its success are stored, and its lease runs out.
    """
    res = await conn.execute(update(JOB).where(_mine(job)).values(
        state=SUCCEEDED, progress=1.0, finished_at=now or utcnow(), lease_until=None, error=None))
    return res.rowcount > 0


async def fail(engine: AsyncEngine, job: Job, error: str, backoff_seconds: float,
               now: datetime | None = None, retry_seconds: float = DEFAULT_RETRY_SECONDS) -> str | None:
    """Records a failed attempt: QUEUED again after backoff_seconds * 2**attempts, or FAILED.

    FAILED when the attempts are used up (tried again after retry_seconds, see the module), or when a newer
    request for the same pair is already queued (that one covers this one: never retried). Returns the new
    state, None if the claim was lost.
    """
    now = now or utcnow()
    error = error[:MAX_ERROR]
    async with writer(engine).begin() as conn:
        await locks.lock(conn, locks.JOB_QUEUE, job.course_id * 1_000_003 + (job.user_id or 0))
        newer = (await conn.execute(select(JOB.id).where(
            _pair(job.course_id, job.user_id), JOB.state == QUEUED, JOB.id != job.id).limit(1))).first()
        if job.attempts >= job.max_attempts or newer is not None:
            values = dict(state=FAILED, error=error if newer is None else f"{error} (superseded by job {newer[0]})",
                          finished_at=now, lease_until=None, run_after=now + timedelta(seconds=retry_seconds))
        else:
            values = dict(state=QUEUED, error=error, lease_until=None, worker=None,
                          run_after=now + timedelta(seconds=min(backoff_seconds * 2 ** job.attempts, retry_seconds)))
        res = await conn.execute(update(JOB).where(_mine(job)).values(**values))
    return values["state"] if res.rowcount else None


async def release(engine: AsyncEngine, job: Job) -> bool:
    """Gives a job back untried (a worker shutting down mid-job): QUEUED, due now, the attempt not counted."""
    async with writer(engine).begin() as conn:
        res = await conn.execute(update(JOB).where(_mine(job)).values(
            state=QUEUED, worker=None, lease_until=None, progress=0.0, attempts=max(job.attempts - 1, 0)))
    return res.rowcount > 0


async def get(conn, job_id: int):
    """One job row (COLUMNS), or None."""
    return (await conn.execute(select(*COLUMNS).where(JOB.id == job_id))).first()
