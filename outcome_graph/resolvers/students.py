"""Which students a request is about (docs/behaviour.md §3.1, §3.9, §6), checked in Canvas's order."""

from __future__ import annotations

from dataclasses import dataclass, field

from outcome_graph.errors import BadUserInput, Forbidden, Mistake, NotFound
from outcome_graph.resolvers.access import NOT_AUTHORIZED_GRADES, CourseAccess
from outcome_graph.resolvers.inputs import RollupExclusion, UserRef
from outcome_graph.resolvers.roster import course_roster
from outcome_graph.resolvers.users import resolve_user_ids

BOTH_USER_FILTERS = Mistake(BadUserInput, "sectionId", "pass userIds or sectionId, not both",
                            canvas="cannot specify both user_ids and section_id")
NOT_STUDENTS = Mistake(NotFound, "userIds", "userIds: {ref} is not a student of this course",
                       canvas="can only include id's of users in the outcome context")
INVALID_SECTION = Mistake(NotFound, "sectionId", "sectionId: no section {id} in this course",
                          canvas="invalid section id")

# Canvas's ranking of enrollment states, best first (docs/gradebook.md).
STATE_RANK = ("active", "invited", "completed", "inactive")


def best_state(states) -> str:
    """The best of a student's enrollment states: one active enrollment makes them active."""
    return min(states, key=STATE_RANK.index)


@dataclass
class Students:
    """Selected students, by user id, with their (non-deleted) student enrollments in scope. Shared between
    requests (resolvers/roster.py): build a new one, never change one."""

    ids: list[int]
    enrollments: dict[int, list] = field(default_factory=dict)


async def _resolve_user_ids(ctx, refs: tuple[UserRef, ...]) -> list[int]:
    """ids, `self` and `sis_user_id:X` -> user ids, duplicates removed (unknown SIS ids become -1)."""
    return list(dict.fromkeys(-1 if u is None else u for u in await resolve_user_ids(ctx, refs, "userIds")))


async def requested_users(ctx, access: CourseAccess, user_ids: tuple[UserRef, ...] | None) -> list[int] | None:
    """user_ids resolved, then the policy's permission step; runs before the sort, outcome and user checks
    (docs/behaviour.md §3.9 order); memoised, so callers may repeat it."""
    if user_ids is None:
        access.check_user_ids(None)
        return None
    key = ("user_ids", access.course_id, tuple(user_ids))
    if key not in ctx.memo:
        wanted = await _resolve_user_ids(ctx, user_ids)
        access.check_user_ids(wanted)
        ctx.memo[key] = wanted
    return ctx.memo[key]


async def select_students(ctx, access: CourseAccess, user_ids: tuple[UserRef, ...] | None,
                          section_id: int | None) -> Students:
    """The students of the course a request may read, per user_ids or section_id (docs/behaviour.md §3.1)."""
    wanted = await requested_users(ctx, access, user_ids)
    if user_ids is not None and section_id is not None:
        raise BOTH_USER_FILTERS()
    course_id = access.course_id
    roster = await course_roster(ctx, course_id)
    section = section_id
    if section is not None:
        sections = await ctx.loaders.sections_by_course.load(course_id)
        if all(s.id != section for s in sections):
            raise INVALID_SECTION(id=section)
    course_wide = roster.memo(("students", section, access.list_scope),
                              lambda: _in_scope(roster.enrollments, access, section))
    student_enrollments = course_wide.enrollments
    if wanted is None:
        return course_wide

    students = roster.student_ids
    if any(u not in students for u in wanted):  # name the first such reference, as the caller wrote it
        resolved = await resolve_user_ids(ctx, user_ids, "userIds")
        raise NOT_STUDENTS(ref=next(str(ref) for ref, u in zip(user_ids, resolved) if u not in students))
    if any(u not in student_enrollments for u in wanted):  # a section-limited grader outside their sections
        raise Forbidden(NOT_AUTHORIZED_GRADES, argument="userIds")
    ids = sorted(wanted)
    return Students(ids, {u: student_enrollments[u] for u in ids})


def _in_scope(enrollments, access: CourseAccess, section: int | None) -> Students:
    """Every student of the course with their enrollments in the section (if any) that the viewer's lists
    cover: the same for every viewer of the same scope, so kept with the roster."""
    student_enrollments: dict[int, list] = {}
    for e in enrollments:  # the roster holds no deleted enrollment
        if e.role != "student" or (section is not None and e.section_id != section):
            continue
        if not access.in_scope(e.section_id):
            continue  # a section-limited grader: enrollments in their sections only
        student_enrollments.setdefault(e.user_id, []).append(e)
    return Students(sorted(student_enrollments), student_enrollments)


def apply_enrollment_exclusions(students: Students, exclude: frozenset[RollupExclusion]) -> Students:
    """Each exclusion drops students none of whose enrollments in scope is outside its state
    (docs/behaviour.md §3.1)."""
    if not exclude & {RollupExclusion.CONCLUDED_ENROLLMENTS, RollupExclusion.INACTIVE_ENROLLMENTS}:
        return students
    ids = students.ids
    for name, state in ((RollupExclusion.CONCLUDED_ENROLLMENTS, "completed"),
                        (RollupExclusion.INACTIVE_ENROLLMENTS, "inactive")):
        if name in exclude:
            ids = [u for u in ids if any(e.state != state for e in students.enrollments[u])]
    return Students(ids, {u: students.enrollments[u] for u in ids})
