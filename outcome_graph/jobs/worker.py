"""The rollup job worker: claims due jobs from the queue (db/jobs.py) and recalculates stored rollups.

Runs as `outcome-graph worker` (one or more processes beside the servers) or as a task inside `serve`
(settings.run_worker). A job recomputes its course (or one student) in a single transaction that also
marks it SUCCEEDED, so a worker killed mid-job leaves nothing half-written: the transaction rolls back,
the lease runs out, and another worker (or this one, restarted) runs the job again.
"""

from __future__ import annotations

import asyncio
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
from outcome_graph.db.rollup_store import recompute
from outcome_graph.errors import DomainError
from outcome_graph.settings import Settings

log = logging.getLogger("outcome_graph.jobs")

# Test-only: seconds to sleep after each batch of students, so a test can kill a worker mid-job.
TEST_SLEEP_ENV = "OUTCOME_GRAPH_TEST_JOB_SLEEP"
STOP_GRACE_SECONDS = 10.0


class LeaseLost(Exception):
    """Another worker took the job over (our lease ran out): our work must not be committed."""


def describe(error: BaseException) -> str:
    """The error text stored on a job and shown to graders: domain messages, never SQL."""
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, SQLAlchemyError):
        return f"database error ({type(error).__name__}); see the worker's log"
    return f"{type(error).__name__}: {error}"[:500]


async def recalculate(engine: AsyncEngine, job: jobs.Job, progress: Callable[[float], Awaitable[None]]) -> int:
    """Rewrites the job's stored rollups and marks it SUCCEEDED, all in one transaction; returns rows written."""
    async with writer(engine).begin() as conn:
        await locks.lock(conn, locks.COURSE_WRITES, job.course_id)  # no result write of the course meanwhile
        users = None if job.user_id is None else [job.user_id]
        written = await recompute(conn, job.course_id, users, progress=progress)
        if not await jobs.complete(conn, job):
            raise LeaseLost(f"job {job.id} was taken over by another worker")
        return written


@dataclass
class Worker:
    """Claims and runs jobs until told to stop. `execute` is replaceable for tests."""

    engine: AsyncEngine
    settings: Settings
    name: str = ""
    execute: Callable[..., Awaitable[object]] = recalculate
    test_sleep: float = 0.0

    def __post_init__(self) -> None:
        self.name = self.name or f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        if not self.test_sleep and os.environ.get(TEST_SLEEP_ENV):
            self.test_sleep = float(os.environ[TEST_SLEEP_ENV])
        self.heartbeats = not is_sqlite(self.engine)  # SQLite: the job's transaction holds the only write lock

    async def run_once(self) -> bool:
        """Claims one due job and runs it; False when none is due."""
        job = await jobs.claim(self.engine, self.name, self.settings.job_lease_seconds)
        if job is None:
            return False
        await self.run_job(job)
        return True

    async def run_job(self, job: jobs.Job) -> None:
        log.info("job %s: course %s user %s, attempt %s/%s", job.id, job.course_id, job.user_id, job.attempts,
                 job.max_attempts)

        async def progress(fraction: float) -> None:
            if self.test_sleep:
                log.info("job %s: %.0f%% written, sleeping %.1f s (%s)", job.id, fraction * 100, self.test_sleep,
                         TEST_SLEEP_ENV)
                await asyncio.sleep(self.test_sleep)
            if self.heartbeats and fraction < 1.0:  # PostgreSQL: progress and lease in a short transaction
                if not await jobs.heartbeat(self.engine, job, fraction, self.settings.job_lease_seconds):
                    raise LeaseLost(f"job {job.id} was taken over by another worker")

        try:
            await self.execute(self.engine, job, progress)
        except asyncio.CancelledError:
            await asyncio.shield(jobs.release(self.engine, job))  # shutting down: give it back untried
            raise
        except LeaseLost as e:
            log.warning("%s", e)
        except Exception as e:  # noqa: BLE001 - a job failure must not stop the worker
            log.exception("job %s failed", job.id)
            state = await jobs.fail(self.engine, job, describe(e), self.settings.job_backoff_seconds)
            log.info("job %s: %s", job.id, state)
        else:
            log.info("job %s: succeeded", job.id)

    async def run(self, stop: asyncio.Event, *, once: bool = False) -> None:
        """Loops until stop is set (or, with once, until no job is due); waits poll seconds when idle."""
        while not stop.is_set():
            try:
                ran = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - e.g. the database is briefly unreachable
                log.exception("worker %s: claiming failed", self.name)
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
