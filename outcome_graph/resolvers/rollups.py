"""Course.outcomeRollups and its aggregates: selection, exclusions, sorting and paging (spec §3, §1.8, §4.4)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from outcome_graph.db import models as m
from outcome_graph.db import rollup_store
from outcome_graph.db.engine import unicode_lower
from outcome_graph.db.results import counted, joined
from outcome_graph.errors import BadUserInput, Mistake, NotFound
from outcome_graph.resolvers.access import CourseAccess, course_access
from outcome_graph.resolvers.ids import parse_id, parse_ids
from outcome_graph.resolvers.loaders import load_all
from outcome_graph.resolvers.outcomes import select_outcome_ids
from outcome_graph.resolvers.paging import Page, check_first, decode_cursor, encode_cursor
from outcome_graph.resolvers.students import Students, apply_enrollment_exclusions, requested_users, select_students
from outcome_graph.rollups import RollupScore, aggregate

MISSING_USER_ROLLUPS = "missing_user_rollups"
MISSING_OUTCOME_RESULTS = "missing_outcome_results"
MISSING_SORT_OUTCOME = Mistake(BadUserInput, "sortOutcomeId", "sortBy: OUTCOME needs sortOutcomeId, the outcome "
                               "whose scores order the students",
                               canvas="missing required sort_outcome_id parameter value")
SORT_OUTCOME_WITHOUT_SORT = Mistake(BadUserInput, "sortOutcomeId", "sortOutcomeId needs sortBy: OUTCOME")
UNKNOWN_SORT_OUTCOME = Mistake(NotFound, "sortOutcomeId", "sortOutcomeId: outcome {id} is not linked in this course",
                               canvas="invalid sort_outcome_id parameter value")
UNSELECTED_SORT_OUTCOME = Mistake(BadUserInput, "sortOutcomeId", "sortOutcomeId: outcome {id} is not among the "
                                  "outcomes outcomeIds or outcomeGroupId select")


@dataclass
class Selection:
    """Students and outcomes a rollup request covers, after exclusions."""

    access: CourseAccess
    students: Students
    outcome_ids: list[int]


@dataclass
class RollupRow:
    user_id: int
    sections: list[int]
    scores: list[tuple[int, RollupScore]]  # (outcome id, score) in display order


async def _result_pairs(ctx, access: CourseAccess, user_ids: list[int], outcome_ids: list[int]):
    """Distinct (user, outcome) pairs with counted results: for the MISSING_* exclusions."""
    r = m.OutcomeResult
    stmt = joined(select(r.user_id, r.outcome_id).distinct()).where(
        counted(access.course_id, include_muted=access.sees_hidden), r.score.is_not(None),
        r.user_id.in_(user_ids), r.outcome_id.in_(outcome_ids))
    return await ctx.reader.rows(stmt)


async def select_for_rollups(ctx, course_id: int, *, user_ids, section_id, outcome_ids, outcome_group_id,
                             exclude) -> Selection:
    access = await course_access(ctx, course_id)
    await requested_users(ctx, access, user_ids)  # permissions before the other checks (spec §3.9 order)
    outcomes = await select_outcome_ids(
        ctx, course_id, parse_ids(outcome_ids, "outcomeIds"),
        None if outcome_group_id is None else parse_id(outcome_group_id, "outcomeGroupId"))
    students = await select_students(ctx, access, user_ids, section_id)
    excluded = {e.value if hasattr(e, "value") else e for e in exclude or ()}
    students = apply_enrollment_exclusions(students, excluded)
    if excluded & {MISSING_USER_ROLLUPS, MISSING_OUTCOME_RESULTS} and students.ids and outcomes:
        pairs = await _result_pairs(ctx, access, students.ids, outcomes)
        if MISSING_USER_ROLLUPS in excluded:
            with_results = {p.user_id for p in pairs}
            ids = [u for u in students.ids if u in with_results]
            students = Students(ids, {u: students.enrollments[u] for u in ids})
        if MISSING_OUTCOME_RESULTS in excluded:
            with_results = {p.outcome_id for p in pairs}
            outcomes = [o for o in outcomes if o in with_results]
    elif MISSING_USER_ROLLUPS in excluded and not outcomes:
        students = Students([], {})
    return Selection(access, students, outcomes)


async def _read(ctx, sel: Selection, user_ids: list[int], outcome_ids: list[int], scores_only: bool = False):
    async with ctx.reader.connection() as conn:
        return await rollup_store.read(conn, sel.access.course_id, user_ids, outcome_ids,
                                       grader=sel.access.sees_hidden, scores_only=scores_only)


def _name(users: dict, uid: int) -> str:
    """The STUDENT sort key: the lower case outcomeResults sorts by on either database (results.name_key)."""
    return unicode_lower(users[uid].sortable_name)


_CURSOR = object()  # the cursor's place among the students: it pages after its key, whoever holds it now


async def _ordered(ctx, sel: Selection, sort_by, sort_outcome_id, desc: bool, cursor) -> tuple[list, dict]:
    """Every selected student in page order with the sort key of each; the cursor's key placed as _CURSOR."""
    ids = list(sel.students.ids)
    if sort_by is None:
        keys: dict = {u: (u,) for u in ids}
    else:
        users = {r.id: r for r in await load_all(ctx.loaders.user_by_id, ids)}
        if sort_by == "student":
            keys = {u: (_name(users, u), u) for u in ids}
        else:  # "outcome": that outcome's scores alone; one outside the selection has none (spec §3.4, §11.3)
            scores = await _read(ctx, sel, ids, [sort_outcome_id], scores_only=True) \
                if ids and sort_outcome_id in sel.outcome_ids else {}
            keys = {}
            for u in ids:
                s = scores.get((u, sort_outcome_id))
                value = None if s is None else s.score
                keys[u] = (value is None, value or 0.0, _name(users, u), u)
    if cursor is not None:  # inserted last: a stable sort puts it after an unchanged student with the same key
        keys[_CURSOR] = tuple(cursor)
    if sort_by == "outcome":  # missing scores last in both directions (spec §3.4)
        scored = sorted((u for u in keys if not keys[u][0]), key=keys.__getitem__, reverse=desc)
        missing = sorted((u for u in keys if keys[u][0]), key=keys.__getitem__, reverse=desc)
        return scored + missing, keys
    return sorted(keys, key=keys.__getitem__, reverse=desc), keys


def _parse_sort(sort_by, sort_outcome_id) -> tuple[str | None, int | None]:
    sort = None if sort_by is None else (sort_by.value if hasattr(sort_by, "value") else sort_by)
    if sort != "outcome":
        if sort_outcome_id is not None:
            raise SORT_OUTCOME_WITHOUT_SORT()
        return sort, None
    if sort_outcome_id is None:
        raise MISSING_SORT_OUTCOME()
    return sort, parse_id(sort_outcome_id, "sortOutcomeId")


async def _check_sort_outcome(ctx, course_id: int, sort_outcome: int, outcome_ids, outcome_group_id) -> None:
    """The sort outcome is one of the course's, among those selected (Canvas would sort by nothing instead)."""
    if all(link.outcome_id != sort_outcome for link in await ctx.loaders.links_by_course.load(course_id)):
        raise UNKNOWN_SORT_OUTCOME(id=sort_outcome)
    if outcome_ids is not None or outcome_group_id is not None:
        selected = await select_outcome_ids(
            ctx, course_id, parse_ids(outcome_ids, "outcomeIds"),
            None if outcome_group_id is None else parse_id(outcome_group_id, "outcomeGroupId"), ordered=False)
        if sort_outcome not in selected:
            raise UNSELECTED_SORT_OUTCOME(id=sort_outcome)


async def rollups_page(ctx, course_id: int, *, user_ids, section_id, outcome_ids, outcome_group_id, exclude,
                       sort_by, sort_outcome_id, sort_order, first: int, after: str | None) -> tuple[Page, Selection]:
    await requested_users(ctx, await course_access(ctx, course_id), user_ids)  # spec §3.9: permissions, then sort
    sort, sort_outcome = _parse_sort(sort_by, sort_outcome_id)
    desc = sort_order is not None and (sort_order.value if hasattr(sort_order, "value") else sort_order) == "desc"
    first = check_first(first, ctx.settings.max_page_size)
    kind = f"rollup:{sort or 'id'}:{'desc' if desc else 'asc'}"
    arity = {None: 1, "student": 2, "outcome": 4}[sort]
    cursor = decode_cursor(after, kind, arity)
    sel = await select_for_rollups(ctx, course_id, user_ids=user_ids, section_id=section_id,
                                   outcome_ids=outcome_ids, outcome_group_id=outcome_group_id, exclude=exclude)
    if sort_outcome is not None:
        await _check_sort_outcome(ctx, course_id, sort_outcome, outcome_ids, outcome_group_id)
    order, keys = await _ordered(ctx, sel, sort, sort_outcome, desc, cursor)
    start = 0
    if cursor is not None:
        start = order.index(_CURSOR)
        order.remove(_CURSOR)
    page_ids = order[start:start + first]
    scores = await _read(ctx, sel, page_ids, sel.outcome_ids) if page_ids and sel.outcome_ids else {}
    items = []
    for uid in page_ids:
        sections = list(dict.fromkeys(e.section_id for e in sel.students.enrollments[uid]))
        items.append(RollupRow(uid, sections, [(o, scores[(uid, o)]) for o in sel.outcome_ids if (uid, o) in scores]))
    cursors = [encode_cursor(kind, keys[u]) for u in page_ids]
    page = Page(items, cursors, len(order), start + first < len(order), start > 0)
    return page, sel


async def aggregate_rollups(ctx, course_id: int, *, stat, user_ids, section_id, outcome_ids, outcome_group_id,
                            exclude) -> list[tuple[int, RollupScore]]:
    """One course-level score per outcome over the selected students (spec §1.8)."""
    sel = await select_for_rollups(ctx, course_id, user_ids=user_ids, section_id=section_id,
                                   outcome_ids=outcome_ids, outcome_group_id=outcome_group_id, exclude=exclude)
    name = stat.value if hasattr(stat, "value") else (stat or "mean")
    scores = await _read(ctx, sel, sel.students.ids, sel.outcome_ids, scores_only=True) \
        if sel.students.ids and sel.outcome_ids else {}
    per_outcome: dict[int, list[RollupScore]] = {}
    for (_, outcome_id), score in scores.items():
        per_outcome.setdefault(outcome_id, []).append(score)
    return [(o, aggregate(per_outcome[o], name)) for o in sel.outcome_ids if o in per_outcome]


async def outcome_score_lists(ctx, sel: Selection) -> dict[int, list[tuple[int, float | None]]]:
    """Per outcome, (student, rollup score) of every selected student with a rollup: for rating buckets."""
    scores = await _read(ctx, sel, sel.students.ids, sel.outcome_ids, scores_only=True) \
        if sel.students.ids and sel.outcome_ids else {}
    out: dict[int, list[tuple[int, float | None]]] = {}
    for (uid, outcome_id), score in sorted(scores.items()):
        out.setdefault(outcome_id, []).append((uid, score.score))
    return out
