"""Who may do what in one course: one CourseAccess per viewer and course, memoised per request (docs/access.md)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from outcome_graph.db import models as m
from outcome_graph.errors import Forbidden, NotFound, Unauthenticated

GRADER_ROLES = frozenset({"teacher", "ta"})
# Enrollment states that still grant rights; a user who left (deleted) or was never let in has none.
GRADER_STATES = frozenset({"active"})
READER_STATES = frozenset({"active", "completed"})
DELETED = "deleted"

NOT_AUTHENTICATED = "Authentication required: send 'Authorization: Bearer <token>'."
NO_ALL_GRADES = "users not specified and no access to all grades"
NOT_AUTHORIZED_GRADES = "not authorized to read grades for specified users"
INSUFFICIENT = "insufficient permissions"
SCORING_FOR_TEACHERS = ("insufficient permissions: only teachers of every section (and admins) may change "
                        "course-wide scoring")


RESOURCE_NOT_FOUND = "The specified resource does not exist."


def not_found(kind: str) -> NotFound:
    """The one answer for an id the viewer may not see, whether or not it exists: it tells nothing about the
    id (docs/access.md). `resource` says which argument was not found."""
    return NotFound(RESOURCE_NOT_FOUND, resource=kind)


@dataclass(frozen=True, slots=True)
class CourseAccess:
    """Every answer about one viewer in one course. Only non-deleted enrollments count."""

    course_id: int
    user_id: int | None
    grader: bool  # may read every visible student's results (in their sections), grade, order, enqueue
    grader_sections: frozenset[int] | None  # a section-limited grader's sections; None: no such limit
    teacher: bool  # may change course-wide scoring: admins and teachers not limited to sections
    observed: frozenset[int]  # students the viewer observes in the course
    enrolled: bool

    @property
    def sees_hidden(self) -> bool:
        """Hidden results and results held back by a manual post policy: graders only."""
        return self.grader

    @property
    def sees_unpublished(self) -> bool:
        """Alignments to unpublished assignments: graders only."""
        return self.grader

    def sees_sections(self, student_sections) -> bool:
        """A grader sees a student with a (non-deleted) student enrollment in one of their sections."""
        sections = set(student_sections)
        limited = self.grader_sections is not None
        return self.grader and bool(sections) and (not limited or bool(self.grader_sections & sections))

    def may_name(self, user_id: int) -> bool:
        """A non-grader may ask about themself (a user reads their own grades) and the students they observe
        (enrollment `read_grades`). Where the viewer grades, they read as a grader only: the students of their
        sections, not themself as a student nor a student they observe elsewhere (docs/access.md)."""
        return not self.grader and (user_id == self.user_id or user_id in self.observed)

    def may_read_student(self, user_id: int, student_sections) -> bool:
        """A student (non-deleted student enrollments in student_sections) whose results the viewer reads:
        themself, an observed student, or one of a grader's students."""
        return bool(student_sections) and (self.may_name(user_id) or self.sees_sections(student_sections))

    @property
    def list_scope(self) -> frozenset[int] | None:
        """All that in_scope depends on: viewers with equal list scopes see the same students (a key for what
        is kept per scope, resolvers/roster.py)."""
        return self.grader_sections

    def in_scope(self, section_id: int) -> bool:
        """Whether a student enrollment in this section is one the viewer's lists cover (a limited grader's)."""
        return self.grader_sections is None or section_id in self.grader_sections

    def check_user_ids(self, wanted: list[int] | None) -> None:
        """Canvas's permission step (docs/access.md): a non-grader names users, and only users they may read. One
        answer for every user they may not read, known, enrolled or not: no roster or SIS-id oracle."""
        if self.grader:
            return  # graders' bad ids fail precisely later (students.select_students)
        if wanted is None:
            raise Forbidden(NO_ALL_GRADES, argument="userIds")
        if not all(self.may_name(u) for u in wanted):
            raise Forbidden(NOT_AUTHORIZED_GRADES, argument="userIds")

    @property
    def sees_posting(self) -> bool:
        """Whether a result is posted and whether its student sees it: for those who see hidden ones."""
        return self.sees_hidden

    def sees_alignment(self, asset) -> bool:
        return bool(asset.published) or self.sees_unpublished

    def students_query(self):
        """SQL: the ids of the course's students this grader sees (non-deleted student enrollments)."""
        e = m.Enrollment
        conds = [e.course_id == self.course_id, e.role == "student", e.state != DELETED]
        if self.grader_sections is not None:
            conds.append(e.section_id.in_(self.grader_sections))
        return select(e.user_id).where(*conds)

    @property
    def students_key(self):
        """What students_query selects, as a cache key (a count kept per data version, resolvers/counts.py)."""
        return ("course", self.course_id, self.grader_sections)


def student_sees(*, hidden: bool, held_back: bool) -> bool:
    """Whether a result shows to its student (and their observers): not hidden, not held back by a manual post
    policy. The one rule; db.results.counted(include_muted=False) is its SQL form."""
    return not hidden and not held_back


def require_viewer(ctx):
    """The viewer; UNAUTHENTICATED for a bad token or none."""
    if ctx.auth_error is not None:
        raise ctx.auth_error
    if ctx.viewer is None:
        raise Unauthenticated(NOT_AUTHENTICATED)
    return ctx.viewer


def live_enrollments(enrollments, course_id: int | None = None) -> list:
    """Enrollments that grant anything: a deleted one never does."""
    return [e for e in enrollments if e.state != DELETED and (course_id is None or e.course_id == course_id)]


async def student_sections(ctx, course_id: int, user_id: int) -> set[int]:
    """The sections of a user's non-deleted student enrollments in a course."""
    return {e.section_id for e in live_enrollments(await ctx.loaders.enrollments_by_user.load(user_id), course_id)
            if e.role == "student"}


async def course_access(ctx, course_id: int) -> CourseAccess:
    """NOT_FOUND, alike, for an unknown course and for one the viewer has no part in."""
    key = ("access", course_id)
    if key in ctx.memo:
        return ctx.memo[key]
    viewer = require_viewer(ctx)
    course = await ctx.loaders.course_by_id.load(course_id)
    if course is None:
        raise not_found("course")
    enrollments = []
    if viewer.user_id is not None:
        enrollments = live_enrollments(await ctx.loaders.enrollments_by_user.load(viewer.user_id), course_id)
    graders = [e for e in enrollments if e.role in GRADER_ROLES and e.state in GRADER_STATES]
    unlimited = viewer.is_admin or any(not e.limit_to_section for e in graders)
    access = CourseAccess(
        course_id=course_id,
        user_id=viewer.user_id,
        grader=viewer.is_admin or bool(graders),
        grader_sections=None if unlimited or not graders else frozenset(e.section_id for e in graders),
        teacher=viewer.is_admin or any(e.role == "teacher" and not e.limit_to_section for e in graders),
        observed=frozenset(e.associated_user_id for e in enrollments
                           if e.role == "observer" and e.state in READER_STATES and e.associated_user_id),
        enrolled=viewer.is_admin or any(e.state in READER_STATES for e in enrollments),
    )
    if not access.enrolled:
        raise not_found("course")
    ctx.memo[key] = access
    return access


async def require_grader(ctx, course_id: int) -> CourseAccess:
    access = await course_access(ctx, course_id)
    if not access.grader:
        raise Forbidden(INSUFFICIENT)
    return access


async def require_teacher(ctx, course_id: int) -> CourseAccess:
    """Course-wide scoring moves every section's rollups: not for section-limited graders or TAs."""
    access = await require_grader(ctx, course_id)
    if not access.teacher:
        raise Forbidden(SCORING_FOR_TEACHERS)
    return access


async def readable_courses(ctx, course_ids) -> list[int]:
    """The courses among course_ids the viewer takes part in (any, for an admin), in the order given."""
    readable = []
    course_ids = list(dict.fromkeys(course_ids))
    await ctx.loaders.course_by_id.load_many(course_ids)  # one statement, not one per course
    for course_id in course_ids:
        try:
            await course_access(ctx, course_id)
        except NotFound:
            continue
        readable.append(course_id)
    return readable
