"""Query.me: the viewer's own enrollments and what each of their courses lets them do (docs/access.md)."""

from __future__ import annotations

from dataclasses import dataclass

from outcome_graph.db.bundle import ROLES, STATES
from outcome_graph.resolvers.access.course import DELETED, course_access, live_enrollments, readable_courses

LIVE_STATES = tuple(s for s in STATES if s != DELETED)  # what a listed enrollment's state can be


@dataclass(frozen=True, slots=True)
class Bearer:
    user_id: int | None  # None for an admin token
    admin: bool


def bearer(ctx) -> Bearer | None:
    """Who the token belongs to; None without a token (a bad token is refused before any resolver runs)."""
    viewer = ctx.viewer
    return None if viewer is None else Bearer(viewer.user_id, viewer.is_admin)


@dataclass(frozen=True, slots=True)
class OwnEnrollment:
    course_id: int
    section_id: int
    role: str
    state: str
    readable: bool  # the viewer takes part in the course (an invited or inactive enrollment alone: no)
    observed_user_id: int | None


@dataclass(frozen=True, slots=True)
class OwnCourse:
    course_id: int
    roles: tuple[str, ...]  # of the viewer's enrollments there, in ROLES order
    grader: bool
    changes_scoring: bool
    graded_sections: frozenset[int] | None  # a section-limited grader's sections; None: every section


async def own_enrollments(ctx) -> list[OwnEnrollment]:
    """The viewer's enrollments that are not deleted, in enrollment order; none for an admin token."""
    viewer = ctx.viewer
    if viewer is None or viewer.user_id is None:
        return []
    rows = live_enrollments(await ctx.loaders.enrollments_by_user.load(viewer.user_id))
    readable = set(await readable_courses(ctx, [e.course_id for e in rows]))
    return [OwnEnrollment(e.course_id, e.section_id, e.role, e.state, e.course_id in readable,
                          e.associated_user_id) for e in rows]


async def own_courses(ctx) -> list[OwnCourse]:
    """The courses the viewer takes part in, by id, with the policy's answers for each."""
    enrollments = await own_enrollments(ctx)
    out = []
    for course_id in sorted({e.course_id for e in enrollments if e.readable}):
        access = await course_access(ctx, course_id)
        roles = {e.role for e in enrollments if e.course_id == course_id}
        out.append(OwnCourse(course_id, tuple(r for r in ROLES if r in roles), access.grader, access.teacher,
                             access.grader_sections))
    return out
