"""Course.outcomeResults: the visible results of the selected students and outcomes, paged (spec §2.4, §2.6)."""

from __future__ import annotations

from sqlalchemy import func, select, tuple_

from outcome_graph.db import models as m
from outcome_graph.db.results import counted, joined
from outcome_graph.errors import Forbidden
from outcome_graph.resolvers.access import course_access
from outcome_graph.resolvers.ids import parse_id, parse_ids
from outcome_graph.resolvers.outcomes import select_outcome_ids
from outcome_graph.resolvers.paging import Page, check_first, decode_cursor, encode_cursor
from outcome_graph.resolvers.students import requested_users, select_students

r, u = m.OutcomeResult, m.User
RESULT_COLUMNS = (r.id, r.course_id, r.user_id, r.outcome_id, r.alignment_id, r.score, r.possible, r.percent,
                  r.mastery, r.hidden, r.hide_points, r.posted, r.submitted_at, r.assessed_at, r.time, r.title,
                  r.artifact_type)
HIDDEN_FOR_GRADERS = "include_hidden is only available to users who can view all grades"


def name_key(dialect: str):
    """Sortable-name order, the same bytes-wise order on SQLite and PostgreSQL."""
    key = func.lower(u.sortable_name)
    return key.collate("C") if dialect == "postgresql" else key


async def outcome_results_page(ctx, course_id: int, *, user_ids, outcome_ids, outcome_group_id, section_id,
                               include_hidden: bool, first: int, after: str | None) -> Page:
    access = await course_access(ctx, course_id)
    if include_hidden and not access.grader:
        raise Forbidden(HIDDEN_FOR_GRADERS)
    await requested_users(ctx, access, user_ids)  # permissions before the other checks (spec §3.9 order)
    first = check_first(first, ctx.settings.max_page_size)
    cursor = decode_cursor(after, "result", 4)
    outcomes = await select_outcome_ids(ctx, course_id, parse_ids(outcome_ids, "outcome id"),
                                        None if outcome_group_id is None else parse_id(outcome_group_id,
                                                                                          "outcome group id"))
    students = await select_students(ctx, access, user_ids, section_id)
    if not students.ids or not outcomes:
        return Page([], [], 0, False, cursor is not None)
    key = name_key(ctx.engine.dialect.name)
    where = (counted(course_id, include_hidden=include_hidden, include_muted=access.grader),
             r.user_id.in_(students.ids), r.outcome_id.in_(outcomes))
    base = joined(select(*RESULT_COLUMNS, key.label("name_key"))).join(u, u.id == r.user_id).where(*where)
    if cursor is not None:
        base = base.where(tuple_(key, r.user_id, r.outcome_id, r.id) > tuple_(*cursor))
    stmt = base.order_by(key, r.user_id, r.outcome_id, r.id).limit(first + 1)
    total_stmt = joined(select(func.count())).where(*where)
    rows = list(await ctx.reader.rows(stmt))
    total = await ctx.reader.scalar(total_stmt)
    has_next = len(rows) > first
    rows = rows[:first]
    cursors = [encode_cursor("result", (x.name_key, x.user_id, x.outcome_id, x.id)) for x in rows]
    return Page(rows, cursors, total, has_next, cursor is not None)


async def visible_result(ctx, raw_id):
    """A result by id when the viewer may read it: its course's access rules, hidden only for graders."""
    rows = await ctx.loaders.result_by_id.load(parse_id(raw_id, "result id"))
    if rows is None or rows.deleted or rows.alignment_deleted:
        return None
    access = await course_access(ctx, rows.course_id)
    if not access.may_read_student(rows.user_id):
        return None
    if access.grader_sections is not None:
        sections = {e.section_id for e in await ctx.loaders.enrollments_by_user.load(rows.user_id)
                    if e.course_id == rows.course_id and e.role == "student"}
        if not sections & access.grader_sections:
            return None
    if not access.grader and (rows.hidden or (rows.post_policy == "manual" and not rows.posted)):
        return None
    return rows
