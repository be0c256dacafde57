"""Who may see what (DESIGN.md §5, spec §6): one CourseAccess per viewer and course, memoised per request."""

from __future__ import annotations

from dataclasses import dataclass

from outcome_graph.errors import Forbidden, NotFound, Unauthenticated

GRADER_ROLES = frozenset({"teacher", "ta"})
# Enrollment states that still grant rights; a user who left (deleted) or was never let in has none.
GRADER_STATES = frozenset({"active"})
READER_STATES = frozenset({"active", "completed"})

NOT_AUTHENTICATED = "Authentication required: send 'Authorization: Bearer <token>'."
NOT_AUTHORIZED = "user not authorized to perform that action"
NO_ALL_GRADES = "users not specified and no access to all grades"
INSUFFICIENT = "insufficient permissions"


@dataclass(frozen=True, slots=True)
class CourseAccess:
    course_id: int
    user_id: int | None
    is_admin: bool
    grader: bool
    grader_sections: frozenset[int] | None  # a section-limited grader's sections; None: no such limit
    student: bool  # the viewer is a (non-deleted) student of the course
    observed: frozenset[int]  # students the viewer observes in the course
    enrolled: bool

    def may_read_student(self, user_id: int) -> bool:
        """Enrollment `read_grades` (spec §6): themself, a linked observer, or a grader."""
        return self.grader or user_id == self.user_id or user_id in self.observed


def require_viewer(ctx):
    if ctx.auth_error is not None:
        raise ctx.auth_error
    if ctx.viewer is None:
        raise Unauthenticated(NOT_AUTHENTICATED)
    return ctx.viewer


async def course_access(ctx, course_id: int) -> CourseAccess:
    """Raises NotFound for an unknown course and Forbidden for a viewer with no part in it."""
    key = ("access", course_id)
    if key in ctx.memo:
        return ctx.memo[key]
    viewer = require_viewer(ctx)
    course = await ctx.loaders.course_by_id.load(course_id)
    if course is None:
        raise NotFound(f"The specified resource does not exist: course {course_id}.")
    enrollments = []
    if viewer.user_id is not None:
        enrollments = [e for e in await ctx.loaders.enrollments_by_user.load(viewer.user_id)
                       if e.course_id == course_id and e.state != "deleted"]
    graders = [e for e in enrollments if e.role in GRADER_ROLES and e.state in GRADER_STATES]
    unlimited = viewer.is_admin or any(not e.limit_to_section for e in graders)
    access = CourseAccess(
        course_id=course_id,
        user_id=viewer.user_id,
        is_admin=viewer.is_admin,
        grader=viewer.is_admin or bool(graders),
        grader_sections=None if unlimited or not graders else frozenset(e.section_id for e in graders),
        student=any(e.role == "student" and e.state in READER_STATES for e in enrollments),
        observed=frozenset(e.associated_user_id for e in enrollments
                           if e.role == "observer" and e.state in READER_STATES and e.associated_user_id),
        enrolled=viewer.is_admin or any(e.state in READER_STATES for e in enrollments),
    )
    if not access.enrolled:
        raise Forbidden(NOT_AUTHORIZED)
    ctx.memo[key] = access
    return access


async def require_grader(ctx, course_id: int) -> CourseAccess:
    access = await course_access(ctx, course_id)
    if not access.grader:
        raise Forbidden(INSUFFICIENT)
    return access


async def readable_courses(ctx, course_ids) -> set[int]:
    """The courses among course_ids the viewer takes part in (any, for an admin); no error for the rest."""
    readable = set()
    for course_id in dict.fromkeys(course_ids):
        try:
            await course_access(ctx, course_id)
        except (Forbidden, NotFound):
            continue
        readable.add(course_id)
    return readable
