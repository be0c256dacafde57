"""Which users a viewer may look up directly (Query.user, federation references)."""

from __future__ import annotations

from outcome_graph.errors import Forbidden, NotFound
from outcome_graph.resolvers.access import GRADER_ROLES, GRADER_STATES, NOT_AUTHORIZED, READER_STATES, require_viewer
from outcome_graph.resolvers.ids import parse_id


async def visible_user(ctx, raw_id, *, strict: bool = False):
    """The user row when the viewer is them, an admin, or a grader or observer of theirs in a shared course.

    With strict, an unknown user is NOT_FOUND and an invisible one FORBIDDEN; otherwise both are None.
    """
    viewer = require_viewer(ctx)
    user_id = parse_id(raw_id, "user id")
    row = await ctx.loaders.user_by_id.load(user_id)
    if row is None:
        if strict:
            raise NotFound(f"The specified resource does not exist: user {user_id}.")
        return None
    if viewer.is_admin or viewer.user_id == user_id:
        return row
    mine, theirs = (await ctx.loaders.enrollments_by_user.load_many([viewer.user_id, user_id])) \
        if viewer.user_id is not None else ([], [])
    their_sections = {(e.course_id, e.section_id) for e in theirs if e.state != "deleted"}
    their_courses = {course for course, _ in their_sections}
    for e in mine:
        if e.course_id not in their_courses:
            continue
        if e.role in GRADER_ROLES and e.state in GRADER_STATES and (
                not e.limit_to_section or (e.course_id, e.section_id) in their_sections):
            return row  # a section-limited grader sees only the people of their sections (DESIGN.md §5)
        if e.role == "observer" and e.state in READER_STATES and e.associated_user_id == user_id:
            return row
    if strict:
        raise Forbidden(NOT_AUTHORIZED)
    return None
