"""Course: the root of a gradebook's graph."""

from __future__ import annotations

from typing import Any, Optional

import strawberry
from strawberry.federation.schema_directives import Key

from outcome_graph.resolvers.access import course_access
from outcome_graph.resolvers.ids import parse_id, parse_ids
from outcome_graph.resolvers.outcomes import select_outcome_ids
from outcome_graph.schema.outcome import Outcome, OutcomeGroup
from outcome_graph.schema.user import Section


@strawberry.type(description="A course: its sections, outcome tree, results and rollups.",
                 directives=[Key(fields="id")])
class Course:
    id: strawberry.ID = strawberry.field(description="The source system's course id.")
    name: str = strawberry.field(description="Course name.")
    _row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> "Course":
        return cls(id=strawberry.ID(str(row.id)), name=row.name, _row=row)

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> "Course":
        course_id = parse_id(id, "course id")
        await course_access(info.context, course_id)
        return cls.from_row(await info.context.loaders.course_by_id.load(course_id))

    @property
    def course_id(self) -> int:
        return self._row.id

    @strawberry.field(description="Sections of the course, by id.")
    async def sections(self, info: strawberry.Info) -> list[Section]:
        return [Section.from_row(r) for r in await info.context.loaders.sections_by_course.load(self.course_id)]

    @strawberry.field(description="Outcomes linked in the course, in the viewer's saved order (see "
                                  "assignOutcomeOrder), else link order. Filter by ids or by the group they "
                                  "are linked in directly (not both).")
    async def outcomes(self, info: strawberry.Info, outcome_ids: Optional[list[strawberry.ID]] = None,
                       outcome_group_id: Optional[strawberry.ID] = None) -> list[Outcome]:
        ids = await select_outcome_ids(
            info.context, self.course_id, parse_ids(outcome_ids, "outcome id"),
            None if outcome_group_id is None else parse_id(outcome_group_id, "outcome group id"))
        rows = await info.context.loaders.outcome_by_id.load_many(ids)
        return [Outcome.from_row(r, self.course_id) for r in rows]

    @strawberry.field(description="Every outcome group of the course, root first, by id.")
    async def outcome_groups(self, info: strawberry.Info) -> list[OutcomeGroup]:
        return [OutcomeGroup.from_row(g) for g in await info.context.loaders.groups_by_course.load(self.course_id)]
