"""RollupScore.explanation: a student's rollup for one outcome worked out from their results, on demand
(docs/methods.md §6). One statement per course for every explanation a request asks for (a DataLoader), the
viewer's access from the one policy: graders see hidden results as candidates that did not count, students and
observers only what they may see. A windowed rollup's explanation lists the results outside its filter as not
counted (docs/windows.md), from the same rows: any number of filters cost no further statement."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select

from outcome_graph.db import models as m
from outcome_graph.db.results import ENGINE_COLUMNS, counted, joined
from outcome_graph.resolvers.access import course_access, student_sections
from outcome_graph.resolvers.loaders import request_loader
from outcome_graph.resolvers.outcomes import effective
from outcome_graph.resolvers.time_filter import TimeFilter
from outcome_graph.rollups import Explanation, explain
from outcome_graph.rollups.score import RESULT_ID, TIME
from outcome_graph.rollups.working import HIDDEN, OUTSIDE_WINDOW

_LOADER = "loader:explanation_rows"


class ExplanationKey(NamedTuple):
    course_id: int
    user_id: int
    outcome_id: int
    grader: bool  # sees hidden and unposted results


async def _candidate_rows(ctx, keys: list[ExplanationKey]) -> list[list[tuple]]:
    """Per key, (hidden, *ResultTuple) of every result that may count: one statement per (course, grader)."""
    found: dict[ExplanationKey, list[tuple]] = {k: [] for k in keys}
    groups: dict[tuple[int, bool], list[ExplanationKey]] = {}
    for key in keys:
        groups.setdefault((key.course_id, key.grader), []).append(key)
    r = m.OutcomeResult
    for (course_id, grader), group in groups.items():
        # docs/behaviour.md §2.4: graders count unposted results and see hidden ones; others see neither
        stmt = joined(select(r.hidden, *ENGINE_COLUMNS)).where(
            counted(course_id, include_hidden=grader, include_muted=grader),
            r.user_id.in_(sorted({k.user_id for k in group})), r.outcome_id.in_(sorted({k.outcome_id for k in group})))
        for row in await ctx.reader.rows(stmt):
            key = ExplanationKey(course_id, row[1], row[2], grader)
            if key in found:
                found[key].append((row[0], *row[3:]))
    return [found[k] for k in keys]


def _excluded(rows: list[tuple], when: TimeFilter | None) -> dict[int, str]:
    """Result id -> why it may not count: hidden (whatever the filter), else outside the rollup's time filter."""
    out = {}
    for hidden, *result in rows:
        r = (0, 0, *result)  # a ResultTuple's positions
        if hidden:
            out[r[RESULT_ID]] = HIDDEN
        elif when is not None and not when.keeps(r[TIME]):
            out[r[RESULT_ID]] = OUTSIDE_WINDOW
    return out


async def rollup_explanation(ctx, course_id: int, user_id: int, outcome_row,
                             when: TimeFilter | None = None) -> Explanation | None:
    """The working of the student's rollup for the outcome, as the viewer may see it, computed with the time
    filter its rollup was (None: the current rollup); None when the viewer may not read the student (the rollup
    that leads here was already refused then)."""
    access = await course_access(ctx, course_id)
    if not access.may_read_student(user_id, await student_sections(ctx, course_id, user_id)):
        return None
    loader = request_loader(ctx, _LOADER, lambda keys: _candidate_rows(ctx, keys))
    rows = await loader.load(ExplanationKey(course_id, user_id, outcome_row.id, access.sees_hidden))
    scoring = await effective(ctx, outcome_row, course_id)
    return explain([row[1:] for row in rows], scoring, _excluded(rows, when))
