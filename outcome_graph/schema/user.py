"""User and Section: people and the course sections they are enrolled in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Optional

import strawberry
from strawberry.federation.schema_directives import Key

from outcome_graph.resolvers.access import entry_point, sees_sis_id, visible_user
from outcome_graph.resolvers.ids import parse_id
from outcome_graph.resolvers.inputs import id_list
from outcome_graph.schema.arguments import AsOf, Window, when

if TYPE_CHECKING:
    from outcome_graph.schema.result import OutcomeResultConnection
    from outcome_graph.schema.rollup import Rollup

RollupRef = Annotated["Rollup", strawberry.lazy("outcome_graph.schema.rollup")]
ResultsRef = Annotated["OutcomeResultConnection", strawberry.lazy("outcome_graph.schema.result")]


@strawberry.type(description="A person: student, teacher, TA, observer or designer.",
                 directives=[Key(fields="id")])
class User:
    id: strawberry.ID = strawberry.field(description="The source system's user id.")
    name: str = strawberry.field(description="Display name.")
    sortable_name: str = strawberry.field(description="Name as sorted in gradebooks, e.g. 'Lovelace, Ada'.")
    _sis_user_id: strawberry.Private[Optional[str]] = None

    @classmethod
    def from_row(cls, row: Any) -> "User":
        return cls(id=strawberry.ID(str(row.id)), name=row.name, sortable_name=row.sortable_name,
                   _sis_user_id=row.sis_user_id)

    @strawberry.field(description="The SIS user id, for the user themself, admins and graders who see them "
                                  "(a section-limited grader: students of their sections); null for anyone else "
                                  "and for users without one.")
    async def sis_user_id(self, info: strawberry.Info) -> Optional[str]:
        if self._sis_user_id is None:
            return None
        return self._sis_user_id if await sees_sis_id(info.context, int(self.id)) else None

    @strawberry.field(description="This student's rollup in a course (what Course.outcomeRollups gives for "
                                  "userIds: [this user]); null when they are not a student there. Lets other "
                                  "subgraphs reach our rollups from their users.")
    async def outcome_rollups(self, info: strawberry.Info, course_id: strawberry.ID,
                              outcome_ids: Optional[list[strawberry.ID]] = None, as_of: AsOf = None,
                              window: Window = None) -> Optional[RollupRef]:
        from outcome_graph.resolvers.student_rollups import student_rollup
        from outcome_graph.schema.rollup import rollup_nodes

        found = await student_rollup(info.context, parse_id(course_id, "courseId"), parse_id(self.id, "id"),
                                     id_list(outcome_ids, "outcomeIds"), when(as_of, window))
        if found is None:
            return None
        row, sel = found
        [node] = await rollup_nodes(info.context, [row], sel)
        return node

    @strawberry.field(description="This student's visible outcome results in a course, with the access rules "
                                  "of Course.outcomeResults, and its paging.")
    async def outcome_results(self, info: strawberry.Info, course_id: strawberry.ID,
                              outcome_ids: Optional[list[strawberry.ID]] = None,
                              include_hidden: Optional[bool] = False, first: Optional[int] = None,
                              after: Optional[str] = None, last: Optional[int] = None,
                              before: Optional[str] = None) -> Optional[ResultsRef]:
        from outcome_graph.resolvers.user_results import user_results_page
        from outcome_graph.schema.arguments import paging
        from outcome_graph.schema.result import result_connection

        # Batched over the request's users (a gateway's _entities call), one statement per batch.
        return result_connection(await user_results_page(
            info.context, parse_id(course_id, "courseId"), parse_id(self.id, "id"),
            outcome_ids=id_list(outcome_ids, "outcomeIds"), include_hidden=bool(include_hidden),
            paging=paging(first, after, last, before)))

    @classmethod
    @entry_point("User._entities")
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> "User | None":
        row = await visible_user(info.context, id)
        return None if row is None else cls.from_row(row)


@strawberry.type(description="A section of a course.")
class Section:
    id: strawberry.ID = strawberry.field(description="The source system's section id.")
    name: str = strawberry.field(description="Section name.")

    @classmethod
    def from_row(cls, row: Any) -> "Section":
        return cls(id=strawberry.ID(str(row.id)), name=row.name)
