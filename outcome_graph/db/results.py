"""The one result query every rollup path shares (docs/behaviour.md §2.4), in the engine's row layout."""

from __future__ import annotations

from typing import Sequence

from sqlalchemy import Select, String, and_, func, not_, select, type_coerce

from outcome_graph.db import models as m

r, al, a = m.OutcomeResult, m.Alignment, m.Asset

# (user_id, outcome_id, *rollups.ResultTuple): see outcome_graph.rollups.score.
ENGINE_COLUMNS = (
    r.user_id, r.outcome_id, r.id, r.score, r.percent, r.possible, r.time,
    # the driver's value (SQLite's stored text, asyncpg's datetime), however the rows are read: see Recalculation
    # in docs/performance.md
    type_coerce(func.coalesce(r.submitted_at, r.assessed_at), String).label("timestamp"),
    r.hide_points, r.title, (r.artifact_type == "quiz_submission").label("is_quiz"), al.asset_id,
)


def muted():
    """Held back by a manual post policy: never shown to non-graders (docs/behaviour.md §2.4)."""
    return and_(a.post_policy == "manual", r.posted.is_(False))


def counted(course_id: int, *, include_hidden: bool = False, include_muted: bool = True):
    """Results that count: active, on an active alignment, in the course (docs/behaviour.md §2.4)."""
    conds = [r.course_id == course_id, r.deleted.is_(False), al.deleted.is_(False)]
    if not include_hidden:
        conds.append(r.hidden.is_(False))
    if not include_muted:
        conds.append(not_(muted()))
    return and_(*conds)


def joined(stmt: Select) -> Select:
    return stmt.join_from(r, al, r.alignment_id == al.id).join(a, al.asset_id == a.id)


def rollup_rows(course_id: int, user_ids: Sequence[int] | None = None,
                outcome_ids: Sequence[int] | None = None, *, include_muted: bool = True,
                start: int | None = None, end: int | None = None) -> Select:
    """Rows for the engine, sorted by (user, outcome, time, id) as rollup_stream needs; with start or end, only
    results whose time is in [start, end) (docs/windows.md)."""
    stmt = joined(select(*ENGINE_COLUMNS)).where(counted(course_id, include_muted=include_muted))
    if start is not None:
        stmt = stmt.where(r.time >= start)
    if end is not None:
        stmt = stmt.where(r.time < end)
    if user_ids is not None:
        stmt = stmt.where(r.user_id.in_(user_ids))
    if outcome_ids is not None:
        stmt = stmt.where(r.outcome_id.in_(outcome_ids))
    return stmt.order_by(r.user_id, r.outcome_id, r.time, r.id)
