"""Rollup jobs through the API: enqueue (docs/behaviour.md §5.3) and watch; who sees a job is
access.visible_job's to say."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from outcome_graph.db import jobs
from outcome_graph.db.retry import write_transaction
from outcome_graph.errors import BadUserInput, NotFound
from outcome_graph.resolvers.access import require_grader, visible_job
from outcome_graph.resolvers.ids import parse_id
from outcome_graph.resolvers.roster import course_roster
from outcome_graph.resolvers.users import resolve_user_ids

INVALID_COURSE_OR_STUDENT = "Invalid course or student"  # docs/behaviour.md §5.3
ENQUEUE_STATES = frozenset({"active", "invited"})  # docs/behaviour.md §5.3: not deleted, concluded or inactive
WATCH_INTERVAL = 0.5
TERMINAL = frozenset({jobs.SUCCEEDED, jobs.FAILED})
# What a watcher is told about: a change of any of these.
WATCHED = ("state", "progress", "run_after", "attempts", "error", "finished_at")


async def _student(ctx, access, course_id: int, raw_user_id: Any) -> int:
    """An active student of the course the grader sees, else NOT_FOUND (docs/behaviour.md §5.3)."""
    [user_id] = await resolve_user_ids(ctx, [raw_user_id], "userId")
    sections = {e.section_id for e in (await course_roster(ctx, course_id)).enrollments
                if e.user_id == user_id and e.role == "student" and e.state in ENQUEUE_STATES}
    if user_id is None or not access.sees_sections(sections):
        raise NotFound(INVALID_COURSE_OR_STUDENT)
    return user_id


async def enqueue_calculation(ctx, raw_course_id: Any, raw_user_id: Any | None):
    """enqueueOutcomeRollupCalculation: a job row due settings.job_delay_seconds from now, one per pair.
    An unknown course and one the viewer has no part in get the same answer."""
    try:
        access = await require_grader(ctx, parse_id(raw_course_id, "courseId"))
    except (BadUserInput, NotFound):
        raise NotFound(INVALID_COURSE_OR_STUDENT) from None
    course_id = access.course_id
    user_id = None if raw_user_id is None else await _student(ctx, access, course_id, raw_user_id)
    async def work(conn):
        job_id = await jobs.enqueue(conn, course_id, user_id, delay=ctx.settings.job_delay_seconds)
        return await jobs.get(conn, job_id)

    return await write_transaction(ctx.engine, work)


async def watch_job(ctx, raw_id: Any, interval: float = WATCH_INTERVAL) -> AsyncIterator[Any]:
    """The job now, then each time it changes (polled), until it has SUCCEEDED or FAILED.

    Each poll re-reads the viewer from the token and asks the access policy again, so a revoked token or a
    lost enrollment ends the subscription with its error instead of streaming on.
    """
    row = await visible_job(ctx, raw_id)
    seen = None
    while True:
        state = tuple(getattr(row, k) for k in WATCHED)
        if state != seen:
            seen = state
            yield row
        if row.state in TERMINAL:
            return
        await asyncio.sleep(interval)
        await ctx.renew()
        row = await visible_job(ctx, row.id)
