"""Course.outcomeResults: the visible results of the selected students and outcomes, paged
(docs/behaviour.md §2.4, §2.6)."""

from __future__ import annotations

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import aliased

from outcome_graph.db import batch
from outcome_graph.db import models as m
from outcome_graph.db.engine import SQLITE_UNICODE_LOWER
from outcome_graph.db.results import counted, joined
from outcome_graph.errors import Forbidden, Mistake
from outcome_graph.resolvers.access import course_access
from outcome_graph.resolvers.inputs import Paging, ResultQuery
from outcome_graph.resolvers.outcomes import select_outcome_ids
from outcome_graph.resolvers.paging import Page, PageRequest, cut, encode_cursor, page_request
from outcome_graph.resolvers.students import requested_users, select_students

r, u, link = m.OutcomeResult, m.User, m.OutcomeLink
RESULT_COLUMNS = (r.id, r.course_id, r.user_id, r.outcome_id, r.alignment_id, r.score, r.possible, r.percent,
                  r.mastery, r.hidden, r.hide_points, r.posted, r.submitted_at, r.assessed_at, r.time, r.title,
                  r.artifact_type)
# The page's joined rows carry its users, alignments and assets: (loader, columns, label prefix).
_JOINED = (("user_by_id", batch.USER, "u_"), ("alignment_by_id", batch.ALIGNMENT, "al_"),
           ("asset_by_id", batch.ASSET, "as_"))
PRIMED_COLUMNS = [c for _, columns, prefix in _JOINED for c in batch.labelled(columns, prefix)]
_FIRST_PRIMED = len(RESULT_COLUMNS) + 2  # after name_key and total
_STARTS = [_FIRST_PRIMED + sum(len(c) for _, c, _ in _JOINED[:i]) for i in range(len(_JOINED))]
PRIMED = [(name, start, batch.rows_of(columns, start)) for (name, columns, _), start in zip(_JOINED, _STARTS)]
HIDDEN_FOR_GRADERS = Mistake(Forbidden, "includeHidden", "includeHidden: true is for graders only (who see every grade)",
                             canvas="include_hidden is only available to users who can view all grades")


def name_key(dialect: str, users=u):
    """Sortable-name order, the same code point order of the same lower case on SQLite and PostgreSQL (and in
    the rollups' STUDENT sort): SQLite's own lower() folds ASCII only, so it gets db/engine.py's unicode_lower."""
    if dialect == "postgresql":
        return func.lower(users.sortable_name).collate("C")
    return getattr(func, SQLITE_UNICODE_LOWER)(users.sortable_name)


ORDER = (r.user_id, r.outcome_id, r.id)  # after the name key


def keyset(dialect: str, request: PageRequest):
    """The conditions placing rows between the request's cursors, the cursor student's name key derived in SQL
    from their id (a cursor carries no name)."""
    order = tuple_(name_key(dialect), *ORDER)
    conditions = []
    for cursor, past in ((request.after, order.__gt__), (request.before, order.__lt__)):
        if cursor is not None:
            cursor_user = aliased(m.User)
            cursor_name = select(name_key(dialect, cursor_user)).where(cursor_user.id == cursor[0]).scalar_subquery()
            conditions.append(past(tuple_(cursor_name, *cursor)))
    return conditions


def result_cursor(row) -> str:
    return encode_cursor("result", (row.user_id, row.outcome_id, row.id))


async def outcome_results_page(ctx, q: ResultQuery, paging: Paging) -> Page:
    """Two statements: the page with its total and the users, alignments and assets its nodes show, and
    its outcomes. All are in the loaders before the nodes resolve, so their fields resolve synchronously."""
    course_id, include_hidden = q.course_id, q.include_hidden
    access = await course_access(ctx, course_id)
    if include_hidden and not access.sees_hidden:
        raise HIDDEN_FOR_GRADERS()
    await requested_users(ctx, access, q.user_ids)  # permissions before the other checks (docs/behaviour.md §3.9 order)
    request = page_request("result", ctx.settings.max_page_size, paging)
    outcomes = await _outcome_filter(ctx, course_id, q.outcome_ids, q.outcome_group_id)
    students = await _student_filter(ctx, access, q.user_ids, q.section_id)
    cursored = request.after is not None or request.before is not None or request.offset > 0
    if students is None or outcomes is None:
        return Page([], [], 0, False, cursored)
    dialect = ctx.engine.dialect.name
    key = name_key(dialect)
    where = (counted(course_id, include_hidden=include_hidden, include_muted=access.sees_hidden), students, outcomes)
    total = joined(select(func.count())).where(*where).scalar_subquery().correlate(None)
    base = joined(select(*RESULT_COLUMNS, key.label("name_key"), total.label("total"), *PRIMED_COLUMNS)) \
        .join(u, u.id == r.user_id).where(*where, *keyset(dialect, request))
    order = (key, *ORDER)
    if request.backward:
        order = tuple(c.desc() for c in order)
    rows = list(await ctx.reader.rows(base.order_by(*order).limit(request.offset + request.size + 1)))
    if rows:
        total = rows[0].total
    else:  # past the last page: the total still counts every page
        total = await ctx.reader.scalar(joined(select(func.count())).where(*where)) if cursored else 0
    if request.backward:
        rows.reverse()
    rows, has_next, has_previous = cut(rows, request)
    _prime(ctx, rows)
    await ctx.loaders.outcome_by_id.load_many(sorted({x.outcome_id for x in rows}))  # a few, once: see _prime
    return Page(rows, [result_cursor(x) for x in rows], total, has_next, has_previous)


async def _outcome_filter(ctx, course_id: int, outcome_ids, outcome_group_id):
    """outcome_id's condition; None when nothing can match. Unfiltered, a subquery saves loading the links."""
    if outcome_ids is None and outcome_group_id is None:
        return r.outcome_id.in_(select(link.outcome_id).where(link.course_id == course_id))
    ids = await select_outcome_ids(ctx, course_id, outcome_ids, outcome_group_id, ordered=False)
    return r.outcome_id.in_(ids) if ids else None


async def _student_filter(ctx, access, user_ids, section_id):
    """user_id's condition; None when nothing can match. A grader's whole course is a subquery."""
    if user_ids is None and section_id is None:
        return r.user_id.in_(access.students_query())
    students = await select_students(ctx, access, user_ids, section_id)
    return r.user_id.in_(students.ids) if students.ids else None


def _prime(ctx, rows) -> None:
    """What the page's nodes show, already read with it: their loaders need not read it again."""
    for loader_name, start, entity_of in PRIMED:  # each entity's columns start with its id
        loader, seen = getattr(ctx.loaders, loader_name), set()
        for row in rows:
            if row[start] not in seen:
                seen.add(row[start])
                loader.prime(row[start], entity_of(row))
