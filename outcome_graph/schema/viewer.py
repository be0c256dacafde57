"""Query.me: who the viewer is, their enrollments and what each course lets them do; works for admin tokens too."""

from __future__ import annotations

from typing import Optional

import strawberry

from outcome_graph.resolvers.access import Bearer, OwnCourse, OwnEnrollment, own_courses, own_enrollments, visible_user
from outcome_graph.schema.course import Course
from outcome_graph.schema.enums import EnrollmentRole, EnrollmentState
from outcome_graph.schema.user import Section, User


async def _course(info, course_id: int) -> Course:
    return Course.from_row(await info.context.loaders.course_by_id.load(course_id))


async def _sections(info, ids) -> list[Section]:
    return [Section.from_row(r) for r in await info.context.loaders.section_by_id.load_many(sorted(ids))]


@strawberry.type(description="One of the viewer's own enrollments (deleted ones are not listed).")
class ViewerEnrollment:
    course_id: strawberry.ID = strawberry.field(description="The course's id.")
    role: EnrollmentRole = strawberry.field(description="The role it gives.")
    state: EnrollmentState = strawberry.field(description="Its state: only ACTIVE and COMPLETED ones let the "
                                                          "viewer into the course.")
    _row: strawberry.Private[OwnEnrollment]

    @classmethod
    def from_own(cls, e: OwnEnrollment) -> "ViewerEnrollment":
        return cls(course_id=strawberry.ID(str(e.course_id)), role=EnrollmentRole(e.role),
                   state=EnrollmentState(e.state), _row=e)

    @strawberry.field(description="The course; null while no enrollment lets the viewer into it (e.g. only "
                                  "INVITED or INACTIVE ones).")
    async def course(self, info: strawberry.Info) -> Optional[Course]:
        return await _course(info, self._row.course_id) if self._row.readable else None

    @strawberry.field(description="The section it is in.")
    async def section(self, info: strawberry.Info) -> Section:
        return Section.from_row(await info.context.loaders.section_by_id.load(self._row.section_id))

    @strawberry.field(description="For an observer enrollment, the student it is linked to, when the viewer may "
                                  "see them (the enrollment is ACTIVE or COMPLETED); else null.")
    async def observed_user(self, info: strawberry.Info) -> Optional[User]:
        if self._row.observed_user_id is None or not self._row.readable:
            return None
        row = await visible_user(info.context, str(self._row.observed_user_id))
        return None if row is None else User.from_row(row)


@strawberry.type(description="A course the viewer takes part in and what the access policy lets them do there.")
class ViewerCourse:
    roles: list[EnrollmentRole] = strawberry.field(description="Roles of their enrollments there.")
    grader: bool = strawberry.field(description="Whether they grade there: read students' results and rollups "
                                                "(of their sections, if limited to them), record results, order "
                                                "outcomes, recalculate.")
    changes_scoring: bool = strawberry.field(description="Whether they may change course-wide scoring (the "
                                                         "course's calculation method and mastery scale, outcome "
                                                         "scoring): teachers of every section and admins.")
    _own: strawberry.Private[OwnCourse]

    @classmethod
    def from_own(cls, c: OwnCourse) -> "ViewerCourse":
        return cls(roles=[EnrollmentRole(r) for r in c.roles], grader=c.grader, changes_scoring=c.changes_scoring,
                   _own=c)

    @strawberry.field(description="The course.")
    async def course(self, info: strawberry.Info) -> Course:
        return await _course(info, self._own.course_id)

    @strawberry.field(description="A section-limited grader's sections: the students they see. Null when not "
                                  "limited (or not a grader).")
    async def graded_sections(self, info: strawberry.Info) -> Optional[list[Section]]:
        ids = self._own.graded_sections
        return None if ids is None else await _sections(info, ids)


@strawberry.type(description="The bearer of the token. Admin tokens have no user: user is null, isAdmin true, "
                             "and they reach every course by id though they list none here.")
class Me:
    admin: bool = strawberry.field(name="isAdmin", description="An admin token: every course, every right.")
    _user_id: strawberry.Private[Optional[int]]

    @classmethod
    def from_bearer(cls, b: Bearer | None) -> "Me | None":
        return None if b is None else cls(admin=b.admin, _user_id=b.user_id)

    @strawberry.field(description="The token's user (what Query.viewer gives); null for an admin token.")
    async def user(self, info: strawberry.Info) -> Optional[User]:
        if self._user_id is None:
            return None
        return User.from_row(await info.context.loaders.user_by_id.load(self._user_id))

    @strawberry.field(description="The viewer's enrollments that are not deleted, in every state, in enrollment "
                                  "order.")
    async def enrollments(self, info: strawberry.Info) -> list[ViewerEnrollment]:
        return [ViewerEnrollment.from_own(e) for e in await own_enrollments(info.context)]

    @strawberry.field(description="The courses the viewer takes part in (an ACTIVE or COMPLETED enrollment), by id, "
                                  "with their roles and rights there.")
    async def courses(self, info: strawberry.Info) -> list[ViewerCourse]:
        return [ViewerCourse.from_own(c) for c in await own_courses(info.context)]
