"""The rollup job worker: claims due jobs from the queue (db/jobs.py) and recalculates stored rollups.

Runs as `outcome-graph worker` (one or more processes beside the servers) or as a task inside `serve`
(settings.run_worker). A job recomputes its course (or one student) in batches of students
(settings.recalc_batch_size), each a transaction of its own under the course's write lock, so a result
write to the course waits at most one batch. Each batch reads the scoring version it stores under that
lock (nothing stale is stored; a scoring change meanwhile queued a job of its own for the earlier
batches), checks the claim is still this worker's, and the last one marks the job SUCCEEDED. A worker
killed mid-job leaves only whole, correct batches: its lease runs out and the job runs again from the
start. While a job waits for the lock or runs, a heartbeat renews its lease, so it never runs twice.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from outcome_graph.db import jobs, locks
from outcome_graph.db.engine import is_sqlite, writer
from outcome_graph.db.faults import storage_fault
from outcome_graph.db.rollup_store import drop_orphans, recompute, result_users
from outcome_graph.errors import DomainError
from outcome_graph.settings import Settings

log = logging.getLogger("outcome_graph.jobs")

# Test-only: seconds to sleep after each batch of students, so a test can kill a worker mid-job.
TEST_SLEEP_ENV = "OUTCOME_GRAPH_TEST_JOB_SLEEP"
STOP_GRACE_SECONDS = 10.0
# SQLite has no queue of lock waiters: a waiting writer polls, sleeping up to 100 ms between tries. A pause
# a little longer between batches lets it in, so writes to the course wait at most one batch.
SQLITE_HANDOVER_SECONDS = 0.12


class LeaseLost(Exception):
    """Another worker took the job over (our lease ran out): our work must not be committed."""


def describe(error: BaseException) -> str:
    """The error text stored on a job and shown to graders: domain messages, never SQL."""
    if isinstance(error, DomainError):
        return error.message
    fault = storage_fault(error)
    if fault is not None:
        return fault.message
    if isinstance(error, SQLAlchemyError):
        return f"database error ({type(error).__name__}); see the worker's log"
    return f"{type(error).__name__}: {error}"[:500]


async def recalculate(engine: AsyncEngine, job: jobs.Job, progress: Callable[[float], Awaitable[None]], *,
                      batch_size: int = 200, lease_seconds: float = 300.0) -> int:
    """Rewrites the job's stored rollups batch by batch, the last batch marking it SUCCEEDED; returns rows written.

    Students who get their first result after the list is read need no batch: their write stored their rollups.
    """
    if job.user_id is not None:
        users = [job.user_id]
    else:
        async with engine.connect() as conn:
            users = await result_users(conn, job.course_id)
    batches = [users[i:i + batch_size] for i in range(0, len(users), batch_size)] or [[]]
    written = 0
    for n, batch in enumerate(batches, 1):
        async with writer(engine).begin() as conn:
            await locks.lock(conn, locks.COURSE_WRITES, job.course_id)  # no result write of the course meanwhile
            if batch:
                written += await recompute(conn, job.course_id, batch)
            if n == len(batches):
                if job.user_id is None:
                    await drop_orphans(conn, job.course_id)
                done = await jobs.complete(conn, job)
            else:
                done = await jobs.report(conn, job, n / len(batches), lease_seconds)
            if not done:
                raise LeaseLost(f"job {job.id} was taken over by another worker")
            await progress(n / len(batches))
        if n < len(batches) and is_sqlite(engine):
            await asyncio.sleep(SQLITE_HANDOVER_SECONDS)
    return written


@dataclass
class Worker:
    """Claims and runs jobs until told to stop. `execute` is replaceable for tests."""

    engine: AsyncEngine
    settings: Settings
    name: str = ""
    execute: Callable[..., Awaitable[object]] | None = None  # (engine, job, progress); recalculate by default
    test_sleep: float = 0.0

    def __post_init__(self) -> None:
        self.name = self.name or f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.execute = self.execute or functools.partial(recalculate, batch_size=self.settings.recalc_batch_size,
                                                         lease_seconds=self.settings.job_lease_seconds)
        if not self.test_sleep and os.environ.get(TEST_SLEEP_ENV):
            self.test_sleep = float(os.environ[TEST_SLEEP_ENV])

    async def run_once(self) -> bool:
        """Claims one due job and runs it; False when none is due."""
        job = await jobs.claim(self.engine, self.name, self.settings.job_lease_seconds,
                               retry_seconds=self.settings.job_max_backoff_seconds)
        if job is None:
            return False
        await self.run_job(job)
        return True

    async def run_job(self, job: jobs.Job) -> None:
        log.info("job %s: course %s user %s, attempt %s/%s", job.id, job.course_id, job.user_id, job.attempts,
                 job.max_attempts)
        done = {"progress": 0.0}

        async def progress(fraction: float) -> None:
            done["progress"] = fraction
            if self.test_sleep:
                log.info("job %s: %.0f%% written, sleeping %.1f s (%s)", job.id, fraction * 100, self.test_sleep,
                         TEST_SLEEP_ENV)
                await asyncio.sleep(self.test_sleep)

        work = asyncio.create_task(self.execute(self.engine, job, progress))
        keeper = asyncio.create_task(self._keep_lease(job, done, work))
        try:
            await work
        except asyncio.CancelledError:
            if _lost(keeper) and not asyncio.current_task().cancelling():
                log.warning("job %s was taken over by another worker", job.id)
                return
            await asyncio.shield(jobs.release(self.engine, job))  # shutting down: give it back untried
            raise
        except LeaseLost as e:
            log.warning("%s", e)
        except Exception as e:  # noqa: BLE001 - a job failure must not stop the worker
            log.exception("job %s failed", job.id)
            state = await jobs.fail(self.engine, job, describe(e), self.settings.job_backoff_seconds,
                                    retry_seconds=self.settings.job_max_backoff_seconds)
            log.info("job %s: %s", job.id, state)
        else:
            log.info("job %s: succeeded", job.id)
        finally:
            keeper.cancel()

    async def _keep_lease(self, job: jobs.Job, done: dict, work: asyncio.Task) -> bool:
        """Renews the lease every third of it while the job waits for its course lock or runs; a lost claim
        stops the work (returns True). A failed renewal (SQLite's lock held by the job's own batch, the
        database briefly away) is tried again at the next beat: the lease outlasts two of them."""
        lease = self.settings.job_lease_seconds
        while True:
            await asyncio.sleep(lease / 3)
            try:
                held = await jobs.heartbeat(self.engine, job, done["progress"], lease)
            except Exception as e:  # noqa: BLE001 - see the docstring
                log.warning("job %s: renewing the lease failed: %r", job.id, e)
                continue
            if not held:
                work.cancel()
                return True

    async def run(self, stop: asyncio.Event, *, once: bool = False) -> None:
        """Loops until stop is set (or, with once, until no job is due); waits poll seconds when idle."""
        while not stop.is_set():
            try:
                ran = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - e.g. the database is briefly unreachable
                fault = storage_fault(e)
                if fault is None:
                    log.exception("worker %s: claiming failed", self.name)
                else:
                    log.warning("worker %s: claiming failed: %s", self.name, fault.message)
                ran = False
                if once:
                    raise
            if ran:
                continue
            if once:
                return
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.settings.worker_poll_seconds)
            except asyncio.TimeoutError:
                pass


def _lost(keeper: asyncio.Task) -> bool:
    return keeper.done() and not keeper.cancelled() and keeper.result() is True


class InProcessWorker:
    """The worker as a task of `serve` (settings.run_worker): started and stopped by the app's lifespan."""

    def __init__(self, engine: AsyncEngine, settings: Settings):
        self.stop_event = asyncio.Event()
        self.worker = Worker(engine, settings)
        self.task = asyncio.create_task(self.worker.run(self.stop_event), name="outcome-graph-worker")

    async def stop(self) -> None:
        """Lets a running job finish for a while, then cancels it (it is given back to the queue)."""
        self.stop_event.set()
        try:
            await asyncio.wait_for(asyncio.shield(self.task), timeout=STOP_GRACE_SECONDS)
        except asyncio.TimeoutError:
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass


async def run_worker(settings: Settings, once: bool = False) -> int:
    """`outcome-graph worker`: runs jobs until SIGTERM/SIGINT (finishing the current one), or with once
    until none is due. Returns the exit status."""
    from outcome_graph.db.engine import create_engine
    from outcome_graph.db.migrate import upgrade

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    engine = create_engine(settings.database_url, echo=settings.sql_echo,
                           busy_timeout_seconds=settings.busy_timeout_seconds)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not on this platform
            pass
    try:
        await upgrade(engine)
        worker = Worker(engine, settings)
        log.info("worker %s polling %s every %.1f s", worker.name, engine.url.render_as_string(hide_password=True),
                 settings.worker_poll_seconds)
        await worker.run(stop, once=once)
    finally:
        await engine.dispose()
    return 0
