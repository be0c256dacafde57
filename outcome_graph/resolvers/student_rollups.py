"""One student's rollup in a course (User.outcomeRollups), batched: one rollup read per course, not per user.

A gateway resolves `directoryUsers { outcomeRollups(courseId: 1) }` as one `_entities` call with N User
representations; resolving each student's rollup on its own costs ~3 statements per user. Here the
calls of one request join a DataLoader keyed by (course, student, outcome ids) and are answered by one
rollups_page per (course, outcome ids), with the course rollups' access checks.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from outcome_graph.errors import DomainError
from outcome_graph.resolvers.access import course_access
from outcome_graph.resolvers.inputs import Paging, RollupQuery, UserRef
from outcome_graph.resolvers.loaders import DataLoader, request_loader
from outcome_graph.resolvers.rollups import RollupRow, Selection, rollups_page
from outcome_graph.resolvers.roster import course_roster
from outcome_graph.resolvers.time_filter import TimeFilter

_LOADER = "loader:student_rollups"


class StudentRollupKey(NamedTuple):
    course_id: int
    user_id: int
    outcome_ids: Optional[tuple[int, ...]]
    when: Optional[TimeFilter] = None


Found = Optional[tuple[RollupRow, Selection]]


async def _page(ctx, course_id: int, user_ids: list[int], outcome_ids, when) -> dict[int, Found]:
    q = RollupQuery(course_id, user_ids=tuple(UserRef(str(u), id=u) for u in user_ids), outcome_ids=outcome_ids,
                    when=when)
    page, sel = await rollups_page(ctx, q, Paging(first=len(user_ids)))
    rows = {row.user_id: (row, sel) for row in page.items}
    return {u: rows.get(u) for u in user_ids}


async def _course_group(ctx, course_id: int, outcome_ids, when, user_ids: list[int]) -> dict[int, Found | Exception]:
    try:
        await course_access(ctx, course_id)  # no course, or not in it: the same error for every user
    except DomainError as e:
        return {u: e for u in user_ids}
    students = (await course_roster(ctx, course_id)).student_ids
    out: dict[int, Found | Exception] = {u: None for u in user_ids if u not in students}  # not a student there
    readable = [u for u in user_ids if u not in out]
    step = max(1, ctx.settings.max_page_size)
    for start in range(0, len(readable), step):
        chunk = readable[start:start + step]
        try:
            out.update(await _page(ctx, course_id, chunk, outcome_ids, when))
        except DomainError:
            # One student the viewer may not read (another student, someone outside a limited grader's
            # sections) fails a whole selection: answer this chunk one by one so only they get the error.
            for u in chunk:
                try:
                    out.update(await _page(ctx, course_id, [u], outcome_ids, when))
                except DomainError as e:
                    out[u] = e
    return out


async def _student_rollups(ctx, keys: list[StudentRollupKey]) -> list[Found | Exception]:
    groups: dict[tuple, list[int]] = {}
    for key in keys:
        groups.setdefault((key.course_id, key.outcome_ids, key.when), []).append(key.user_id)
    found: dict[StudentRollupKey, Found | Exception] = {}
    for (course_id, outcome_ids, when), user_ids in groups.items():
        users = list(dict.fromkeys(user_ids))
        for u, value in (await _course_group(ctx, course_id, outcome_ids, when, users)).items():
            found[StudentRollupKey(course_id, u, outcome_ids, when)] = value
    return [found[key] for key in keys]


def student_rollups_loader(ctx) -> DataLoader:
    return request_loader(ctx, _LOADER, lambda keys: _student_rollups(ctx, keys))


async def student_rollup(ctx, course_id: int, user_id: int, outcome_ids: tuple[int, ...] | None,
                         when: TimeFilter | None = None) -> Found:
    """The student's rollup row and the selection it belongs to, or None when they are not a student there."""
    return await student_rollups_loader(ctx).load(StudentRollupKey(course_id, user_id, outcome_ids, when))
