"""Rollup jobs through the API: enqueue (spec §5.3), look up, and watch; graders of the job's course only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from outcome_graph.db import jobs
from outcome_graph.db.engine import writer
from outcome_graph.errors import BadUserInput, Forbidden, NotFound
from outcome_graph.resolvers.access import NOT_AUTHORIZED, require_grader, require_viewer
from outcome_graph.resolvers.ids import parse_id
from outcome_graph.resolvers.users import resolve_user_ids

INVALID_COURSE_OR_STUDENT = "Invalid course or student"  # spec §5.3
ENQUEUE_STATES = frozenset({"active", "invited"})  # spec §5.3: not deleted, concluded or inactive
WATCH_INTERVAL = 0.5
MAX_JOB_ID = 2**31 - 1  # rollup_jobs.id is a 32-bit INTEGER (db/models.py)
TERMINAL = frozenset({jobs.SUCCEEDED, jobs.FAILED})
# What a watcher is told about: a change of any of these.
WATCHED = ("state", "progress", "run_after", "attempts", "error", "finished_at")


async def _student(ctx, access, course_id: int, raw_user_id: Any) -> int:
    """An active student of the course the grader may see, else NOT_FOUND (spec §5.3)."""
    [user_id] = await resolve_user_ids(ctx, [raw_user_id])
    sections = access.grader_sections
    for e in await ctx.loaders.enrollments_by_course.load(course_id):
        if (e.user_id == user_id and e.role == "student" and e.state in ENQUEUE_STATES
                and (sections is None or e.section_id in sections)):
            return user_id
    raise NotFound(INVALID_COURSE_OR_STUDENT)


async def enqueue_calculation(ctx, raw_course_id: Any, raw_user_id: Any | None):
    """enqueueOutcomeRollupCalculation: a job row due settings.job_delay_seconds from now, one per pair."""
    require_viewer(ctx)
    try:
        course_id = parse_id(raw_course_id, "course id")
    except BadUserInput:
        raise NotFound(INVALID_COURSE_OR_STUDENT) from None
    if await ctx.loaders.course_by_id.load(course_id) is None:
        raise NotFound(INVALID_COURSE_OR_STUDENT)
    access = await require_grader(ctx, course_id)
    user_id = None if raw_user_id is None else await _student(ctx, access, course_id, raw_user_id)
    async with writer(ctx.engine).begin() as conn:
        job_id = await jobs.enqueue(conn, course_id, user_id, delay=ctx.settings.job_delay_seconds)
        return await jobs.get(conn, job_id)


async def _load(ctx, job_id: int):
    async with ctx.reader.connection() as conn:
        return await jobs.get(conn, job_id)


async def visible_job(ctx, raw_id: Any):
    """The job row for graders of its course (and of its student, if section-limited) and admins; else raises."""
    require_viewer(ctx)
    job_id = parse_id(raw_id, "rollup job id")
    row = await _load(ctx, job_id) if job_id <= MAX_JOB_ID else None  # PostgreSQL refuses a larger INTEGER
    if row is None:
        raise NotFound(f"The specified resource does not exist: rollup job {job_id}.")
    access = await require_grader(ctx, row.course_id)
    if row.user_id is not None and access.grader_sections is not None:
        # A section-limited grader sees only the students of their sections (DESIGN.md §5), as Query.user does.
        sections = {e.section_id for e in await ctx.loaders.enrollments_by_user.load(row.user_id)
                    if e.course_id == row.course_id and e.role == "student" and e.state != "deleted"}
        if not sections & access.grader_sections:
            raise Forbidden(NOT_AUTHORIZED)
    return row


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
