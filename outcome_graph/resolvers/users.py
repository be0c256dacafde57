"""User references (ids, `self`, `sis_user_id:X`) and which users a viewer may look up directly (Query.user,
federation references)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from outcome_graph.db import models as m
from outcome_graph.errors import BadUserInput, Forbidden, NotFound
from outcome_graph.resolvers.access import GRADER_ROLES, GRADER_STATES, NOT_AUTHORIZED, READER_STATES, require_viewer
from outcome_graph.resolvers.ids import parse_id

SIS_PREFIX = "sis_user_id:"
SELF = "self"


async def resolve_user_ids(ctx, raw_ids: Iterable) -> list[int | None]:
    """User references, read alike by every argument that takes a user id (DESIGN.md §2, spec §3.1): an id,
    `self` (the viewer) or `sis_user_id:X`. In order; None for a SIS id that no stored user holds. One
    statement for all the SIS ids of the call."""
    found: list[int | str] = []
    for raw in raw_ids:
        text = str(raw).strip()
        if text == SELF:
            if ctx.viewer is None or ctx.viewer.user_id is None:
                raise BadUserInput("'self' needs a token that belongs to a user")
            found.append(ctx.viewer.user_id)
        elif text.startswith(SIS_PREFIX):
            found.append(text[len(SIS_PREFIX):])
        else:
            found.append(parse_id(text, "user id"))
    # No stored SIS id holds NUL (bundles and writes refuse it), and PostgreSQL refuses it in a query.
    sis = {s for s in found if isinstance(s, str) and "\x00" not in s}
    by_sis = dict(await ctx.reader.rows(select(m.User.sis_user_id, m.User.id).where(m.User.sis_user_id.in_(sis)))) \
        if sis else {}
    return [by_sis.get(u) if isinstance(u, str) else u for u in found]


async def visible_user(ctx, raw_id, *, strict: bool = False):
    """The user row when the viewer is them, an admin, or a grader or observer of theirs in a shared course.

    raw_id is any user reference (resolve_user_ids). With strict, an unknown user is NOT_FOUND and an
    invisible one FORBIDDEN; otherwise both are None.
    """
    viewer = require_viewer(ctx)
    [user_id] = await resolve_user_ids(ctx, [raw_id])
    row = None if user_id is None else await ctx.loaders.user_by_id.load(user_id)
    if row is None:
        if strict:
            which = str(raw_id).strip()[:80] if user_id is None else user_id
            raise NotFound(f"The specified resource does not exist: user {which}.")
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
