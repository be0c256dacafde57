"""The Query root (docs/architecture.md §4)."""

from __future__ import annotations

from typing import Optional

import strawberry

from outcome_graph.resolvers.access import bearer, course_access, entry_point, visible_outcome, visible_user
from outcome_graph.resolvers.ids import parse_id
from outcome_graph.schema.course import Course
from outcome_graph.schema.job import RollupJob, resolve_rollup_job
from outcome_graph.schema.outcome import Outcome
from outcome_graph.schema.user import User
from outcome_graph.schema.viewer import Me


@strawberry.type
class Query:
    @strawberry.field(description="A course the viewer takes part in (or any course, for an admin). NOT_FOUND, "
                                  "alike, for an unknown course and for one the viewer has no part in.")
    @entry_point("Query.course")
    async def course(self, info: strawberry.Info, id: strawberry.ID) -> Optional[Course]:
        course_id = parse_id(id, "id")
        await course_access(info.context, course_id)
        return Course.from_row(await info.context.loaders.course_by_id.load(course_id))

    @strawberry.field(description="An outcome linked in a course the viewer takes part in, shown in the first "
                                  "such course (its group, path and alignments). NOT_FOUND otherwise.")
    @entry_point("Query.outcome")
    async def outcome(self, info: strawberry.Info, id: strawberry.ID) -> Optional[Outcome]:
        return Outcome.from_visible(await visible_outcome(info.context, id, strict=True))

    @strawberry.field(description="A user the viewer may see: themself, or a student they grade or observe. "
                                  "`id` takes a user id, `self` or `sis_user_id:X`, as every user argument does. "
                                  "NOT_FOUND, alike, for an unknown user and for one the viewer may not see.")
    @entry_point("Query.user")
    async def user(self, info: strawberry.Info, id: strawberry.ID) -> Optional[User]:
        return User.from_row(await visible_user(info.context, id, strict=True))

    @strawberry.field(description="A rollup recalculation job (as enqueueOutcomeRollupCalculation returned it), "
                                  "for graders of its course and admins; a section-limited grader sees the jobs of "
                                  "the whole course and of students in their sections. NOT_FOUND, alike, for an "
                                  "unknown job and for one the viewer may not see.")
    @entry_point("Query.rollupJob")
    async def rollup_job(self, info: strawberry.Info, id: strawberry.ID) -> Optional[RollupJob]:
        return await resolve_rollup_job(info, id)

    @strawberry.field(description="The user the bearer token belongs to; null without a token or for an "
                                  "admin token; UNAUTHENTICATED for a bad token.")
    @entry_point("Query.viewer", anonymous=True)
    async def viewer(self, info: strawberry.Info) -> Optional[User]:
        viewer = info.context.viewer
        if viewer is None or viewer.user_id is None:
            return None
        return User.from_row(await info.context.loaders.user_by_id.load(viewer.user_id))

    @strawberry.field(description="Who the bearer token belongs to, their enrollments and courses with roles and "
                                  "rights; works for admin tokens (no user). Null without a token; UNAUTHENTICATED "
                                  "for a bad token.")
    @entry_point("Query.me", anonymous=True)
    async def me(self, info: strawberry.Info) -> Optional[Me]:
        return Me.from_bearer(bearer(info.context))
