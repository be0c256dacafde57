"""Rollups computed from the results a time filter keeps, never stored (docs/windows.md): the one entry point of
every windowed read (rollup pages and their sort, aggregates, distributions, a student's rollup). A score's
explanation works the same score out from the student's results itself (resolvers/explanations.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from outcome_graph.db import rollup_store
from outcome_graph.db.scoring import course_scorings
from outcome_graph.resolvers.access import CourseAccess
from outcome_graph.resolvers.time_filter import TimeFilter
from outcome_graph.rollups import RollupScore

Scores = dict[tuple[int, int], RollupScore]


async def windowed_scores(ctx, access: CourseAccess, when: TimeFilter, user_ids: Sequence[int] | None,
                          outcome_ids: Sequence[int]) -> Scores:
    """(student, outcome) -> the rollup of the results in `when` this viewer may see (hidden ones never, unposted
    ones for graders only: the rules of the stored rollups' reads), for the given students and outcomes; a pair
    without such results has no entry (no score, not zero).

    user_ids None reads every student's results for these outcomes in one course-wide statement (for a big
    selection's sort, aggregates, distributions and rating percents): the caller keeps the students the viewer
    may see. Each computation is made once per request, so a request costs the same statements whatever the
    course's size."""
    if user_ids is not None and not user_ids or not outcome_ids:
        return {}
    users = None if user_ids is None else tuple(sorted(set(user_ids)))
    outcomes = tuple(sorted(set(outcome_ids)))
    key = ("windowed", access.course_id, access.sees_hidden, when, users, outcomes)
    return await _once(ctx, key, lambda: _compute(ctx, access, when, users, outcomes))


async def _compute(ctx, access: CourseAccess, when: TimeFilter, user_ids: tuple[int, ...] | None,
                   outcome_ids: tuple[int, ...]) -> Scores:
    scorings = await _once(ctx, ("scorings", access.course_id), lambda: _scorings(ctx, access.course_id))
    async with ctx.reader.connection() as conn:
        return await rollup_store.compute(conn, access.course_id, user_ids, outcome_ids, scorings=scorings,
                                          include_muted=access.sees_hidden, start=when.start, end=when.end)


async def _scorings(ctx, course_id: int):
    async with ctx.reader.connection() as conn:
        return await course_scorings(conn, course_id)


async def _once(ctx, key: tuple, make: Callable[[], Awaitable]):
    """make()'s answer, computed once per request however many fields ask for it at once."""
    task = ctx.memo.get(key)
    if task is None:
        task = ctx.memo[key] = asyncio.ensure_future(make())
    return await task
