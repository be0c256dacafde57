"""Course.outcomeResults: the visible results of the selected students and outcomes, paged
(docs/behaviour.md §2.4, §2.6)."""

from __future__ import annotations

from sqlalchemy import func, literal, or_, select, tuple_
from sqlalchemy.orm import aliased

from outcome_graph.db import batch
from outcome_graph.db import models as m
from outcome_graph.db.results import counted
from outcome_graph.db.walk import outer_first
from outcome_graph.resolvers import counts
from outcome_graph.errors import Forbidden, Mistake
from outcome_graph.resolvers.access import course_access
from outcome_graph.resolvers.inputs import Paging, ResultQuery
from outcome_graph.resolvers.outcomes import select_outcome_ids
from outcome_graph.resolvers.paging import Page, PageRequest, cut, encode_cursor, page_request
from outcome_graph.resolvers.students import requested_users, select_students

r, u, link, al, a = m.OutcomeResult, m.User, m.OutcomeLink, m.Alignment, m.Asset
RESULT_COLUMNS = (r.id, r.course_id, r.user_id, r.outcome_id, r.alignment_id, r.score, r.possible, r.percent,
                  r.mastery, r.hidden, r.hide_points, r.posted, r.submitted_at, r.assessed_at, r.time, r.title,
                  r.artifact_type)
# The page's joined rows carry its users, alignments and assets: (loader, columns, label prefix).
_JOINED = (("user_by_id", batch.USER, "u_"), ("alignment_by_id", batch.ALIGNMENT, "al_"),
           ("asset_by_id", batch.ASSET, "as_"))
PRIMED_COLUMNS = [c for _, columns, prefix in _JOINED for c in batch.labelled(columns, prefix)]
_FIRST_PRIMED = len(RESULT_COLUMNS)
_STARTS = [_FIRST_PRIMED + sum(len(c) for _, c, _ in _JOINED[:i]) for i in range(len(_JOINED))]
PRIMED = [(name, start, batch.rows_of(columns, start)) for (name, columns, _), start in zip(_JOINED, _STARTS)]
HIDDEN_FOR_GRADERS = Mistake(Forbidden, "includeHidden", "includeHidden: true is for graders only (who see every grade)",
                             canvas="include_hidden is only available to users who can view all grades")


ORDER = (u.name_key, u.id, r.outcome_id, r.id)  # users.name_key: docs/performance.md, "Paging results"


def keyset(request: PageRequest):
    """The conditions placing rows between the request's cursors. The cursor student's name key is read again
    from their id (a cursor carries no name), and the bound on (name key, user) comes first, apart, so that a
    walk of users in name order starts at the cursor's student instead of the first one."""
    conditions = []
    for cursor, past, reached in ((request.after, "__gt__", "__ge__"), (request.before, "__lt__", "__le__")):
        if cursor is not None:
            cursor_user = aliased(m.User)
            student = tuple_(select(cursor_user.name_key).where(cursor_user.id == cursor[0]).scalar_subquery(),
                             literal(cursor[0]))
            conditions.append(getattr(tuple_(u.name_key, u.id), reached)(student))
            conditions.append(or_(getattr(tuple_(u.name_key, u.id), past)(student),
                                  getattr(tuple_(r.outcome_id, r.id), past)(tuple_(*map(literal, cursor[1:])))))
    return conditions


def result_cursor(row) -> str:
    return encode_cursor("result", (row.user_id, row.outcome_id, row.id))


async def outcome_results_page(ctx, q: ResultQuery, paging: Paging) -> Page:
    """Two statements: the page with the users, alignments and assets its nodes show, and its outcomes. All
    are in the loaders before the nodes resolve, so their fields resolve synchronously. The page walks the
    students in name order and reads only the results it shows; totalCount is counted when asked, once per
    data version of the course (docs/performance.md, "Paging results")."""
    course_id, include_hidden = q.course_id, q.include_hidden
    access = await course_access(ctx, course_id)
    if include_hidden and not access.sees_hidden:
        raise HIDDEN_FOR_GRADERS()
    await requested_users(ctx, access, q.user_ids)  # permissions before the other checks (docs/behaviour.md §3.9 order)
    request = page_request("result", ctx.settings.max_page_size, paging)
    outcomes, outcomes_key = await _outcome_filter(ctx, course_id, q.outcome_ids, q.outcome_group_id)
    students, students_key = await _student_filter(ctx, access, q.user_ids, q.section_id)
    cursored = request.after is not None or request.before is not None or request.offset > 0
    if students is None or outcomes is None:
        return Page([], [], 0, False, cursored)
    where = (counted(course_id, include_hidden=include_hidden, include_muted=access.sees_hidden), students, outcomes)
    walk = outer_first(u, r, r.user_id == u.id).join(al, r.alignment_id == al.id).join(a, al.asset_id == a.id)
    base = select(*RESULT_COLUMNS, *PRIMED_COLUMNS).select_from(walk).where(*where, *keyset(request))
    order = tuple(c.desc() for c in ORDER) if request.backward else ORDER
    rows = list(await ctx.reader.rows(base.order_by(*order).limit(request.offset + request.size + 1)))
    if request.backward:
        rows.reverse()
    rows, has_next, has_previous = cut(rows, request)
    _prime(ctx, rows)
    await ctx.loaders.outcome_by_id.load_many(sorted({x.outcome_id for x in rows}))  # a few, once: see _prime
    key = ("outcomeResults", include_hidden, access.sees_hidden, students_key, outcomes_key)

    async def total() -> int:
        return await counts.count(ctx, course_id, key, select(func.count()).select_from(walk).where(*where))

    return Page(rows, [result_cursor(x) for x in rows], total, has_next, has_previous)


async def _outcome_filter(ctx, course_id: int, outcome_ids, outcome_group_id):
    """outcome_id's condition (None when nothing can match) and what it selects, for the count's key. Unfiltered,
    a subquery saves loading the links."""
    if outcome_ids is None and outcome_group_id is None:
        return r.outcome_id.in_(select(link.outcome_id).where(link.course_id == course_id)), "course"
    ids = await select_outcome_ids(ctx, course_id, outcome_ids, outcome_group_id, ordered=False)
    return (r.outcome_id.in_(ids), tuple(sorted(ids))) if ids else (None, None)


async def _student_filter(ctx, access, user_ids, section_id):
    """The students' condition (None when nothing can match) and what it selects, for the count's key. Named
    students are few: the page starts from them. A course or section is walked in name order, so `+ 0` keeps
    the database from starting at the students' ids instead (docs/performance.md, "Paging results")."""
    if user_ids is None and section_id is None:
        return (u.id + 0).in_(access.students_query()), access.students_key
    students = await select_students(ctx, access, user_ids, section_id)
    if not students.ids:
        return None, None
    return (u.id if section_id is None else u.id + 0).in_(students.ids), tuple(students.ids)


def _prime(ctx, rows) -> None:
    """What the page's nodes show, already read with it: their loaders need not read it again."""
    for loader_name, start, entity_of in PRIMED:  # each entity's columns start with its id
        loader, seen = getattr(ctx.loaders, loader_name), set()
        for row in rows:
            if row[start] not in seen:
                seen.add(row[start])
                loader.prime(row[start], entity_of(row))
