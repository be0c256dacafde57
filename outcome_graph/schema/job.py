"""RollupJob: a persistent rollup recalculation request and how far it got (docs/behaviour.md §5.3)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Optional

import strawberry

from outcome_graph.resolvers.access import visible_job
from outcome_graph.schema.enums import JobState
from outcome_graph.resolvers.times import utc
from outcome_graph.schema.user import User

if TYPE_CHECKING:
    from outcome_graph.schema.course import Course

CourseRef = Annotated["Course", strawberry.lazy("outcome_graph.schema.course")]


@strawberry.type(description="A queued, running or finished recalculation of a course's (or one student's) "
                             "stored rollups. Reads never wait for it: stale rollups are computed on the fly.")
class RollupJob:
    id: strawberry.ID = strawberry.field(description="The job's id.")
    state: JobState = strawberry.field(description="QUEUED until run_after and a free worker, then RUNNING, then "
                                                   "SUCCEEDED, or FAILED after max_attempts failed attempts; a FAILED job is "
                                                   "tried again after the longest back-off (an hour by default) "
                                                   "until it succeeds or a newer job covers it.")
    progress: float = strawberry.field(description="Share of the job done, 0.0 to 1.0.")
    run_after: datetime = strawberry.field(
        description="When the job becomes due: a minute after the request (docs/behaviour.md §5.3), later after "
                    "a failure.")
    attempts: int = strawberry.field(description="Attempts started so far.")
    max_attempts: int = strawberry.field(description="Attempts before the job is FAILED (and then "
                                                       "retried after the longest back-off).")
    error: Optional[str] = strawberry.field(description="Why the last attempt failed, if it did.")
    created_at: datetime = strawberry.field(description="When the job was first requested.")
    finished_at: Optional[datetime] = strawberry.field(description="When it SUCCEEDED or FAILED.")
    _row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> "RollupJob":
        return cls(id=strawberry.ID(str(row.id)), state=JobState(row.state), progress=float(row.progress),
                   run_after=utc(row.run_after), attempts=row.attempts, max_attempts=row.max_attempts,
                   error=row.error, created_at=utc(row.created_at), finished_at=utc(row.finished_at), _row=row)

    @strawberry.field(description="The course whose rollups are recalculated.")
    async def course(self, info: strawberry.Info) -> CourseRef:
        from outcome_graph.schema.course import Course

        return Course.from_row(await info.context.loaders.course_by_id.load(self._row.course_id))

    @strawberry.field(description="The one student recalculated; null when the job covers the whole course.")
    async def user(self, info: strawberry.Info) -> Optional[User]:
        if self._row.user_id is None:
            return None
        return User.from_row(await info.context.loaders.user_by_id.load(self._row.user_id))


async def resolve_rollup_job(info: strawberry.Info, id: strawberry.ID) -> Optional[RollupJob]:
    """Query.rollupJob: raises (NOT_FOUND, FORBIDDEN, ...) rather than answering null, like Query.outcome."""
    return RollupJob.from_row(await visible_job(info.context, id))
