"""Things reached by id (Query fields, federation `_entities`, jobs): visible, or the same answer as unknown."""

from __future__ import annotations

from typing import Any, NamedTuple

from outcome_graph.db import jobs
from outcome_graph.resolvers.access.course import (course_access, live_enrollments, not_found, readable_courses,
                                                   require_viewer, student_sections, student_sees)
from outcome_graph.resolvers.ids import parse_id
from outcome_graph.resolvers.users import resolve_user_ids

MAX_JOB_ID = 2**31 - 1  # rollup_jobs.id is a 32-bit INTEGER (db/models.py)


async def _relation(ctx, user_id: int) -> tuple[bool, bool]:
    """(the viewer grades them, the viewer observes them) in some course both take part in."""
    theirs = live_enrollments(await ctx.loaders.enrollments_by_user.load(user_id))
    sections: dict[int, set[int]] = {}
    for e in theirs:
        sections.setdefault(e.course_id, set()).add(e.section_id)
    graded = observed = False
    for course_id in await readable_courses(ctx, sections):
        access = await course_access(ctx, course_id)
        graded = graded or access.sees_sections(sections[course_id])
        observed = observed or user_id in access.observed
    return graded, observed


async def visible_user(ctx, raw_id, *, strict: bool = False):
    """The user row when the viewer is them, an admin, or, in a course both take part in, a grader who sees
    one of their sections or their linked observer. Else None, or with strict NOT_FOUND as for an unknown user."""
    viewer = require_viewer(ctx)
    [user_id] = await resolve_user_ids(ctx, [raw_id], "id")
    row = None if user_id is None else await ctx.loaders.user_by_id.load(user_id)
    if row is not None and not (viewer.is_admin or viewer.user_id == user_id) and not any(
            await _relation(ctx, user_id)):
        row = None
    if row is None and strict:
        raise not_found("user")
    return row


async def sees_sis_id(ctx, user_id: int) -> bool:
    """A user's SIS id: for themself, admins and graders who see them in a course both take part in; not for
    observers or fellow students."""
    viewer = require_viewer(ctx)
    return viewer.is_admin or viewer.user_id == user_id or (await _relation(ctx, user_id))[0]


async def outcome_scope(ctx, outcome_id: int) -> int | None:
    """The course an outcome reached without one is shown in: its first link among the viewer's courses."""
    links = await ctx.loaders.links_by_outcome.load(outcome_id)
    courses = await readable_courses(ctx, [link.course_id for link in links])
    return courses[0] if courses else None


async def visible_outcome(ctx, raw_id, *, strict: bool = False) -> tuple[Any, int | None] | None:
    """(outcome row, the course it is shown in) when linked in a course the viewer takes part in.

    An admin also sees an outcome no course links (course None). Else None, or with strict NOT_FOUND."""
    viewer = require_viewer(ctx)
    outcome_id = parse_id(raw_id, "id")
    row = await ctx.loaders.outcome_by_id.load(outcome_id)
    course = None if row is None else await outcome_scope(ctx, outcome_id)
    if row is None or (course is None and not viewer.is_admin):
        if strict:
            raise not_found("outcome")
        return None
    return row, course


async def visible_alignments(ctx, course_id: int, rows) -> list:
    """The alignments among rows (all of course_id) the viewer may see: unpublished ones for graders only."""
    access = await course_access(ctx, course_id)
    assets = await ctx.loaders.asset_by_id.load_many([r.asset_id for r in rows])
    return [r for r, asset in zip(rows, assets) if access.sees_alignment(asset)]


async def visible_alignment(ctx, raw_id):
    """An active alignment by id in a course the viewer takes part in, published unless they grade there."""
    require_viewer(ctx)
    row = await ctx.loaders.alignment_by_id.load(parse_id(raw_id, "id"))
    if row is None or row.deleted or not await readable_courses(ctx, [row.course_id]):
        return None
    return row if await visible_alignments(ctx, row.course_id, [row]) else None


async def visible_result(ctx, raw_id):
    """A result by id when the viewer may read its student; hidden and unposted ones for graders only."""
    require_viewer(ctx)
    row = await ctx.loaders.result_by_id.load(parse_id(raw_id, "id"))
    if row is None or row.deleted or row.alignment_deleted or not await readable_courses(ctx, [row.course_id]):
        return None
    access = await course_access(ctx, row.course_id)
    sections = await student_sections(ctx, row.course_id, row.user_id)
    if not access.may_read_student(row.user_id, sections):
        return None
    grades_them = access.sees_sections(sections)  # hidden and unposted: for their graders, not all graders
    if not grades_them and not student_sees(hidden=row.hidden, held_back=_held_back(row, row.post_policy)):
        return None
    return row


def _held_back(row, post_policy: str) -> bool:
    return post_policy == "manual" and not row.posted


class Posting(NamedTuple):
    posted: bool  # false while a manual post policy holds the result back
    visible_to_student: bool


async def result_posting(ctx, row) -> Posting | None:
    """Whether a result (a row the viewer already reads) is posted and shows to its student: for those who see
    hidden and unposted results (graders); None for everyone else."""
    if not (await course_access(ctx, row.course_id)).sees_posting:
        return None
    alignment = await ctx.loaders.alignment_by_id.load(row.alignment_id)
    asset = await ctx.loaders.asset_by_id.load(alignment.asset_id)
    held_back = _held_back(row, asset.post_policy)
    return Posting(not held_back, student_sees(hidden=bool(row.hidden), held_back=held_back))


async def load_job(ctx, job_id: int):
    async with ctx.reader.connection() as conn:
        return await jobs.get(conn, job_id)


async def visible_job(ctx, raw_id: Any):
    """The job row for graders of its course (of its student's sections, if section-limited) and admins;
    NOT_FOUND for everyone else, as for an unknown job."""
    require_viewer(ctx)
    job_id = parse_id(raw_id, "id")
    row = await load_job(ctx, job_id) if job_id <= MAX_JOB_ID else None  # PostgreSQL refuses a larger INTEGER
    if row is not None and await readable_courses(ctx, [row.course_id]):
        access = await course_access(ctx, row.course_id)
        if row.user_id is None and access.grader:
            return row
        if row.user_id is not None and access.sees_sections(await student_sections(ctx, row.course_id,
                                                                                    row.user_id)):
            return row
    raise not_found("rollup job")
