"""Effective scoring of every outcome of a course, after the course's overrides (spec §4.2)."""

from __future__ import annotations

from sqlalchemy import select

from outcome_graph.db import models as m
from outcome_graph.rollups import Scoring, resolve_scoring


async def course_scorings(conn, course_id: int) -> dict[int, Scoring]:
    """outcome id -> Scoring for every outcome linked in or aligned with the course."""
    scale = (await conn.execute(select(m.MasteryScale.points_possible, m.MasteryScale.mastery_points)
                                .where(m.MasteryScale.course_id == course_id))).first()
    method = (await conn.execute(select(m.CourseCalculationMethod.method, m.CourseCalculationMethod.calculation_int)
                                 .where(m.CourseCalculationMethod.course_id == course_id))).first()
    o = m.Outcome
    linked = select(m.OutcomeLink.outcome_id).where(m.OutcomeLink.course_id == course_id)
    aligned = select(m.Alignment.outcome_id).where(m.Alignment.course_id == course_id)
    rows = (await conn.execute(
        select(o.id, o.calculation_method, o.calculation_int, o.points_possible, o.mastery_points)
        .where(o.id.in_(linked.union(aligned))))).all()
    return {
        row.id: resolve_scoring(
            method=row.calculation_method, calc_int=row.calculation_int,
            points_possible=row.points_possible, mastery_points=row.mastery_points,
            course_scale=None if scale is None else (scale.points_possible, scale.mastery_points),
            course_method=None if method is None else (method.method, method.calculation_int))
        for row in rows
    }
