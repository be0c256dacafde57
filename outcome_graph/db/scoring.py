"""Effective scoring of every outcome of a course, after the course's overrides (docs/behaviour.md §4.2)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from outcome_graph.db import models as m
from outcome_graph.rollups import Scoring, effective_scoring


async def course_scorings(conn, course_id: int) -> dict[int, Scoring]:
    """outcome id -> Scoring for every outcome linked in or aligned with the course."""
    return (await versioned_scorings(conn, course_id, required=False))[1]


async def versioned_scorings(conn, course_id: int, *, required: bool = True,
                             outcome_ids: Sequence[int] | None = None) -> tuple[int | None, dict[int, Scoring]]:
    """The course's scoring version and course_scorings (of outcome_ids only, when given), in two statements (a
    write recomputing one pair runs this: each statement saved is a round trip inside the write lock).
    required: the course must exist."""
    c, ms, cm = m.Course, m.MasteryScale, m.CourseCalculationMethod
    result = await conn.execute(
        select(c.scoring_version, ms.course_id.label("scale"), ms.points_possible, ms.mastery_points, ms.ratings,
               cm.course_id.label("method_row"), cm.method, cm.calculation_int, cm.tie_break, cm.minimum_evidence)
        .select_from(c).outerjoin(ms, ms.course_id == c.id).outerjoin(cm, cm.course_id == c.id)
        .where(c.id == course_id))
    course = result.one() if required else result.first()
    scale = None if course is None or course.scale is None else course
    method = None if course is None or course.method_row is None else course
    o = m.Outcome
    linked = select(m.OutcomeLink.outcome_id).where(m.OutcomeLink.course_id == course_id)
    aligned = select(m.Alignment.outcome_id).where(m.Alignment.course_id == course_id)
    rows = (await conn.execute(
        select(o.id, o.calculation_method, o.calculation_int, o.tie_break, o.minimum_evidence, o.points_possible,
               o.mastery_points, o.ratings)
        .where(o.id.in_(linked.union(aligned)), *([] if outcome_ids is None else [o.id.in_(outcome_ids)])))).all()
    return None if course is None else course.scoring_version, {
        row.id: effective_scoring(row, scale, method) for row in rows
    }
