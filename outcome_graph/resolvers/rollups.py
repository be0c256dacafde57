"""Course.outcomeRollups and its aggregates: selection, exclusions, sorting and paging
(docs/behaviour.md §3, §1.8, §4.4)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from outcome_graph.db import models as m
from outcome_graph.db import rollup_store
from outcome_graph.db.engine import unicode_lower
from outcome_graph.db.results import counted, joined
from outcome_graph.errors import BadUserInput, Mistake, NotFound
from outcome_graph.resolvers.access import CourseAccess, course_access
from outcome_graph.resolvers.inputs import (AggregateStat, Paging, RollupExclusion, RollupQuery, RollupSortBy,
                                            SortOrder)
from outcome_graph.resolvers.outcomes import select_outcome_ids
from outcome_graph.resolvers.paging import Page, PageRequest, cut, encode_cursor, page_request
from outcome_graph.resolvers.roster import course_roster
from outcome_graph.resolvers.students import (Students, apply_enrollment_exclusions, best_state, requested_users,
                                             select_students)
from outcome_graph.resolvers.time_filter import TimeFilter
from outcome_graph.resolvers.windowed import windowed_scores
from outcome_graph.rollups import RollupScore, aggregate

MISSING_USER_ROLLUPS = RollupExclusion.MISSING_USER_ROLLUPS
MISSING_OUTCOME_RESULTS = RollupExclusion.MISSING_OUTCOME_RESULTS
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
    when: TimeFilter | None = None  # scores computed from the results in it, not read (docs/windows.md)


@dataclass
class RollupRow:
    user_id: int
    sections: list[int]
    scores: list[tuple[int, RollupScore]]  # (outcome id, score) in display order
    enrollments: list[tuple[int, str]]  # (section id, state) of each student enrollment in scope (Canvas's rows)

    @property
    def status(self) -> str:
        """The student's best enrollment state in scope (docs/gradebook.md)."""
        return best_state(state for _, state in self.enrollments)


async def _result_pairs(ctx, access: CourseAccess, user_ids: list[int], outcome_ids: list[int],
                        when: TimeFilter | None) -> set[tuple[int, int]]:
    """Distinct (user, outcome) pairs with counted results (in the time filter): for the MISSING_* exclusions."""
    if when is not None:  # the pairs with a computed rollup: those with a scored result in the filter
        students = set(user_ids)
        scores = await windowed_scores(ctx, access, when, _scope(ctx, user_ids), outcome_ids)
        return {pair for pair in scores if pair[0] in students}
    r = m.OutcomeResult
    stmt = joined(select(r.user_id, r.outcome_id).distinct()).where(
        counted(access.course_id, include_muted=access.sees_hidden), r.score.is_not(None),
        r.user_id.in_(user_ids), r.outcome_id.in_(outcome_ids))
    return {(row.user_id, row.outcome_id) for row in await ctx.reader.rows(stmt)}


async def select_for_rollups(ctx, q: RollupQuery) -> Selection:
    """The students and outcomes q selects, after its exclusions, with the viewer's access to the course."""
    access = await course_access(ctx, q.course_id)
    await requested_users(ctx, access, q.user_ids)  # permissions before the other checks (docs/behaviour.md §3.9 order)
    outcomes = await select_outcome_ids(ctx, q.course_id, q.outcome_ids, q.outcome_group_id)
    students = await select_students(ctx, access, q.user_ids, q.section_id)
    excluded = q.exclude
    students = apply_enrollment_exclusions(students, excluded)
    if excluded & {MISSING_USER_ROLLUPS, MISSING_OUTCOME_RESULTS} and students.ids and outcomes:
        pairs = await _result_pairs(ctx, access, students.ids, outcomes, q.when)
        if MISSING_USER_ROLLUPS in excluded:
            with_results = {user_id for user_id, _ in pairs}
            ids = [u for u in students.ids if u in with_results]
            students = Students(ids, {u: students.enrollments[u] for u in ids})
        if MISSING_OUTCOME_RESULTS in excluded:
            with_results = {outcome_id for _, outcome_id in pairs}
            outcomes = [o for o in outcomes if o in with_results]
    elif MISSING_USER_ROLLUPS in excluded and not outcomes:
        students = Students([], {})
    return Selection(access, students, outcomes, q.when)


def _scope(ctx, students: list[int], page: list[int] | None = None) -> list[int] | None:
    """Whose results a windowed read computes (docs/windows.md): a selection of up to a page, whole (its page,
    sort, aggregates and percents then share one computation); in a bigger one, the page's students for a page,
    else everyone, course-wide (None)."""
    if len(students) <= ctx.settings.max_page_size:
        return students
    return page


async def _read(ctx, sel: Selection, user_ids: list[int], outcome_ids: list[int], scores_only: bool = False,
                whole: bool = True):
    """The selection's scores: stored rollups, or computed from the results in its time filter (whole: user_ids
    is the whole selection, not a page of it)."""
    if sel.when is not None:
        scope = _scope(ctx, sel.students.ids, None if whole else user_ids)
        # course-wide only the outcomes asked (a sort needs one); by id every selected outcome, shared by the fields
        outcomes_read = outcome_ids if scope is None else sel.outcome_ids
        scores = await windowed_scores(ctx, sel.access, sel.when, scope, outcomes_read)
        users, outcomes = set(user_ids), set(outcome_ids)
        return {pair: s for pair, s in scores.items() if pair[0] in users and pair[1] in outcomes}
    course = await ctx.loaders.course_by_id.load(sel.access.course_id)  # its versions, as the request read them
    async with ctx.reader.connection() as conn:
        return await rollup_store.read(conn, sel.access.course_id, user_ids, outcome_ids,
                                       grader=sel.access.sees_hidden, scores_only=scores_only,
                                       version=course.scoring_version)


_AFTER, _BEFORE = object(), object()  # the cursors' places among the students, whoever holds their keys now


async def _cursor_key(ctx, sort_by: RollupSortBy | None, cursor: list | None):
    """A cursor's whole sort key, its student's name key derived again from their id (cursors carry no names)."""
    if cursor is None or sort_by is None:
        return None if cursor is None else tuple(cursor)
    user = await ctx.loaders.user_by_id.load(cursor[-1])
    if user is None:
        return None
    name = unicode_lower(user.sortable_name)
    return (name, cursor[-1]) if sort_by is RollupSortBy.STUDENT else (cursor[0], cursor[1], name, cursor[-1])


async def _ordered(ctx, sel: Selection, sort_by: RollupSortBy | None, sort_outcome_id: int | None, desc: bool,
                   request: PageRequest) -> tuple[list, dict]:
    """Every selected student in page order with the sort key of each; the cursors' keys placed as _AFTER and
    _BEFORE: _AFTER after, _BEFORE before a student whose key is the same (the cursor's own student)."""
    ids = list(sel.students.ids)
    keys: dict = {}
    before = await _cursor_key(ctx, sort_by, request.before)
    if before is not None:  # inserted first: a stable sort keeps it before an unchanged student with its key
        keys[_BEFORE] = before
    if sort_by is None:
        keys.update((u, (u,)) for u in ids)
    else:
        names = (await course_roster(ctx, sel.access.course_id)).name_keys  # users.name_key: docs/performance.md
        if sort_by is RollupSortBy.STUDENT:
            keys.update((u, (names[u], u)) for u in ids)
        else:  # "outcome": that outcome's scores alone
            scores = await _read(ctx, sel, ids, [sort_outcome_id], scores_only=True) \
                if ids and sort_outcome_id in sel.outcome_ids else {}
            for u in ids:
                s = scores.get((u, sort_outcome_id))
                value = None if s is None else s.score
                keys[u] = (value is None, value or 0.0, names[u], u)
    after = await _cursor_key(ctx, sort_by, request.after)
    if after is not None:  # inserted last: a stable sort puts it after an unchanged student with the same key
        keys[_AFTER] = after
    if (request.after is not None and after is None) or (request.before is not None and before is None):
        raise BadUserInput("the cursor's student no longer exists: start again from the first page",
                           argument="after" if after is None and request.after is not None else "before")
    if sort_by is RollupSortBy.OUTCOME:  # missing scores last in both directions (docs/behaviour.md §3.4)
        scored = sorted((u for u in keys if not keys[u][0]), key=keys.__getitem__, reverse=desc)
        missing = sorted((u for u in keys if keys[u][0]), key=keys.__getitem__, reverse=desc)
        return scored + missing, keys
    return sorted(keys, key=keys.__getitem__, reverse=desc), keys


def _cursor(sort_by: RollupSortBy | None, key: tuple) -> tuple:
    """What a cursor carries of a sort key: no name."""
    return key if sort_by is None else (key[-1],) if sort_by is RollupSortBy.STUDENT else (key[0], key[1], key[-1])


def _check_sort(q: RollupQuery) -> None:
    """sortOutcomeId goes with sortBy: OUTCOME, and only with it."""
    if q.sort_by is not RollupSortBy.OUTCOME:
        if q.sort_outcome_id is not None:
            raise SORT_OUTCOME_WITHOUT_SORT()
    elif q.sort_outcome_id is None:
        raise MISSING_SORT_OUTCOME()


async def _check_sort_outcome(ctx, q: RollupQuery) -> None:
    """The sort outcome is one of the course's, among those selected (Canvas would sort by nothing instead)."""
    sort_outcome = q.sort_outcome_id
    if all(link.outcome_id != sort_outcome for link in await ctx.loaders.links_by_course.load(q.course_id)):
        raise UNKNOWN_SORT_OUTCOME(id=sort_outcome)
    if q.outcome_ids is not None or q.outcome_group_id is not None:
        selected = await select_outcome_ids(ctx, q.course_id, q.outcome_ids, q.outcome_group_id, ordered=False)
        if sort_outcome not in selected:
            raise UNSELECTED_SORT_OUTCOME(id=sort_outcome)


async def rollups_page(ctx, q: RollupQuery, paging: Paging) -> tuple[Page[RollupRow], Selection]:
    """A page of student rollups in q's order, with the selection it was cut from (for the page's outcomes
    and rating percents)."""
    # docs/behaviour.md §3.9: permissions, then sort
    await requested_users(ctx, await course_access(ctx, q.course_id), q.user_ids)
    _check_sort(q)
    sort = q.sort_by
    desc = q.sort_order is SortOrder.DESC
    kind = f"rollup:{sort.value if sort else 'id'}:{'desc' if desc else 'asc'}"
    request = page_request(kind, ctx.settings.max_page_size, paging)
    sel = await select_for_rollups(ctx, q)
    if q.sort_outcome_id is not None:
        await _check_sort_outcome(ctx, q)
    order, keys = await _ordered(ctx, sel, sort, q.sort_outcome_id, desc, request)
    start = order.index(_AFTER) + 1 if _AFTER in keys else 0
    end = order.index(_BEFORE) if _BEFORE in keys else len(order)
    window = [u for u in order[start:end] if u is not _AFTER and u is not _BEFORE]
    page_ids, has_next, has_previous = cut(window, request)
    scores = await _read(ctx, sel, page_ids, sel.outcome_ids, whole=False) if page_ids and sel.outcome_ids else {}
    items = []
    for uid in page_ids:
        enrollments = sel.students.enrollments[uid]
        sections = list(dict.fromkeys(e.section_id for e in enrollments))
        items.append(RollupRow(uid, sections, [(o, scores[(uid, o)]) for o in sel.outcome_ids if (uid, o) in scores],
                               [(e.section_id, e.state) for e in enrollments]))
    cursors = [encode_cursor(kind, _cursor(sort, keys[u])) for u in page_ids]
    total = len(keys) - (_AFTER in keys) - (_BEFORE in keys)
    return Page(items, cursors, total, has_next, has_previous), sel


async def aggregate_rollups(ctx, q: RollupQuery) -> list[tuple[int, RollupScore]]:
    """One course-level score (q.stat) per outcome over the selected students (docs/behaviour.md §1.8)."""
    sel = await select_for_rollups(ctx, q)
    name = (q.stat or AggregateStat.MEAN).value
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
