"""Course: the root of a gradebook's graph."""

from __future__ import annotations

from typing import Any, Optional

import strawberry
from strawberry.federation.schema_directives import Key

from outcome_graph.resolvers.access import entry_point, readable_courses
from outcome_graph.resolvers.contributing import contributing_scores
from outcome_graph.resolvers.distributions import mastery_distributions
from outcome_graph.resolvers.ids import parse_id
from outcome_graph.resolvers.inputs import ContributingQuery, id_list, optional_id, user_refs
from outcome_graph.resolvers.outcomes import select_outcome_ids
from outcome_graph.resolvers.results import outcome_results_page
from outcome_graph.resolvers.rollups import aggregate_rollups, rollups_page
from outcome_graph.schema.arguments import AsOf, Window, paging, result_query, rollup_query
from outcome_graph.schema.contributing import ContributingScores
from outcome_graph.schema.enums import AggregateStat, RollupExclusion, RollupSortBy, SortOrder
from outcome_graph.schema.outcome import Outcome, OutcomeGroup
from outcome_graph.schema.paging import PageInfo
from outcome_graph.schema.result import OutcomeResultConnection, result_connection
from outcome_graph.schema.rollup import (
    CourseRollup,
    MasteryDistribution,
    RollupConnection,
    RollupEdge,
    RollupScore,
    course_outcomes,
    rollup_nodes,
)
from outcome_graph.schema.scoring import CourseCalculationMethod, MasteryScale
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
    @entry_point("Course._entities")
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> "Course | None":
        """Null, like every entity, for a course the viewer may not see (or that does not exist)."""
        course_id = parse_id(id, "id")
        if not await readable_courses(info.context, [course_id]):
            return None
        return cls.from_row(await info.context.loaders.course_by_id.load(course_id))

    @property
    def course_id(self) -> int:
        return self._row.id

    @strawberry.field(description="Sections of the course, by id.")
    async def sections(self, info: strawberry.Info) -> list[Section]:
        return [Section.from_row(r) for r in await info.context.loaders.sections_by_course.load(self.course_id)]

    @strawberry.field(description="The course's own calculation method, which replaces every outcome's; "
                                  "null when the course has none and each outcome's own applies.")
    async def calculation_method(self, info: strawberry.Info) -> Optional[CourseCalculationMethod]:
        _, method = await info.context.loaders.overrides_by_course.load(self.course_id)
        return CourseCalculationMethod.from_row(method)

    @strawberry.field(description="The course's own mastery scale, which replaces every outcome's points and "
                                  "ratings; null when the course has none.")
    async def mastery_scale(self, info: strawberry.Info) -> Optional[MasteryScale]:
        scale, _ = await info.context.loaders.overrides_by_course.load(self.course_id)
        return MasteryScale.from_row(scale)

    @strawberry.field(description="Outcomes linked in the course, in the viewer's saved order (see "
                                  "assignOutcomeOrder), else link order. Filter by ids or by the group they "
                                  "are linked in directly (not both).")
    async def outcomes(self, info: strawberry.Info, outcome_ids: Optional[list[strawberry.ID]] = None,
                       outcome_group_id: Optional[strawberry.ID] = None) -> Optional[list[Outcome]]:
        ids = await select_outcome_ids(info.context, self.course_id, id_list(outcome_ids, "outcomeIds"),
                                       optional_id(outcome_group_id, "outcomeGroupId"))
        rows = await info.context.loaders.outcome_by_id.load_many(ids)
        return [Outcome.from_row(r, self.course_id) for r in rows]

    @strawberry.field(description="Every outcome group of the course, root first, by id.")
    async def outcome_groups(self, info: strawberry.Info) -> list[OutcomeGroup]:
        return [OutcomeGroup.from_row(g) for g in await info.context.loaders.groups_by_course.load(self.course_id)]

    @strawberry.field(description="Visible outcome results of the selected students and outcomes, ordered by "
                                  "student sortable name, student id, outcome id, result id (docs/behaviour.md §2.4). "
                                  "Non-graders must pass userIds they may read (themself, or observed students). Relay paging: "
                                  "`first` (default 10) after `after`, or `last` before `before`.")
    async def outcome_results(
        self, info: strawberry.Info,
        user_ids: Optional[list[strawberry.ID]] = None,
        outcome_ids: Optional[list[strawberry.ID]] = None,
        outcome_group_id: Optional[strawberry.ID] = None,
        section_id: Optional[strawberry.ID] = None,
        include_hidden: Optional[bool] = False,
        first: Optional[int] = None,
        after: Optional[str] = None,
        last: Optional[int] = None,
        before: Optional[str] = None,
    ) -> Optional[OutcomeResultConnection]:
        q = result_query(self.course_id, user_ids=user_ids, outcome_ids=outcome_ids,
                         outcome_group_id=outcome_group_id, section_id=section_id, include_hidden=include_hidden)
        return result_connection(await outcome_results_page(info.context, q, paging(first, after, last, before)))

    @strawberry.field(description="Mastery rollups per student (Canvas outcome_rollups), paged over students. "
                                  "Without sortBy students come by id; STUDENT sorts by sortable name; OUTCOME "
                                  "by sortOutcomeId's score, missing scores last in both directions "
                                  "(docs/behaviour.md §3.4). Relay "
                                  "paging: `first` (default 10) after `after`, or `last` before `before`.")
    async def outcome_rollups(
        self, info: strawberry.Info,
        user_ids: Optional[list[strawberry.ID]] = None,
        section_id: Optional[strawberry.ID] = None,
        outcome_ids: Optional[list[strawberry.ID]] = None,
        outcome_group_id: Optional[strawberry.ID] = None,
        exclude: Optional[list[RollupExclusion]] = None,
        sort_by: Optional[RollupSortBy] = None,
        sort_outcome_id: Optional[strawberry.ID] = None,
        sort_order: Optional[SortOrder] = SortOrder.ASC,
        first: Optional[int] = None,
        after: Optional[str] = None,
        last: Optional[int] = None,
        before: Optional[str] = None,
        as_of: AsOf = None,
        window: Window = None,
    ) -> Optional[RollupConnection]:
        q = rollup_query(self.course_id, user_ids=user_ids, section_id=section_id, outcome_ids=outcome_ids,
                         outcome_group_id=outcome_group_id, exclude=exclude, sort_by=sort_by,
                         sort_outcome_id=sort_outcome_id, sort_order=sort_order, as_of=as_of, window=window)
        page, sel = await rollups_page(info.context, q, paging(first, after, last, before))
        nodes = await rollup_nodes(info.context, page.items, sel)
        edges = [RollupEdge(cursor=c, node=node) for node, c in zip(nodes, page.cursors)]
        return RollupConnection(edges=edges, page_info=PageInfo.from_page(page), total_count=page.total,
                                _selection=sel)

    @strawberry.field(description="Course-level mean (rounded like Canvas) or median (not rounded) of the "
                                  "selected students' rollups, per outcome (docs/behaviour.md §1.8).")
    async def outcome_rollup_aggregate(
        self, info: strawberry.Info,
        stat: Optional[AggregateStat] = AggregateStat.MEAN,
        user_ids: Optional[list[strawberry.ID]] = None,
        section_id: Optional[strawberry.ID] = None,
        outcome_ids: Optional[list[strawberry.ID]] = None,
        outcome_group_id: Optional[strawberry.ID] = None,
        exclude: Optional[list[RollupExclusion]] = None,
        as_of: AsOf = None,
        window: Window = None,
    ) -> Optional[CourseRollup]:
        q = rollup_query(self.course_id, stat=stat, user_ids=user_ids, section_id=section_id,
                         outcome_ids=outcome_ids, outcome_group_id=outcome_group_id, exclude=exclude, as_of=as_of,
                         window=window)
        scores = await aggregate_rollups(info.context, q)
        outcomes = await course_outcomes(info.context, self.course_id, [o for o, _ in scores])
        return CourseRollup(scores=[RollupScore.from_score(outcomes[o], s) for o, s in scores],
                            _course_id=self.course_id)

    @strawberry.field(description="Per outcome, how many of the selected students' rollups fall in each rating, "
                                  "with their ids (docs/behaviour.md §5.4). Graders only.")
    async def mastery_distribution(
        self, info: strawberry.Info,
        user_ids: Optional[list[strawberry.ID]] = None,
        section_id: Optional[strawberry.ID] = None,
        outcome_ids: Optional[list[strawberry.ID]] = None,
        outcome_group_id: Optional[strawberry.ID] = None,
        exclude: Optional[list[RollupExclusion]] = None,
        add_defaults: bool = False,
        as_of: AsOf = None,
        window: Window = None,
    ) -> Optional[list[MasteryDistribution]]:
        q = rollup_query(self.course_id, user_ids=user_ids, section_id=section_id, outcome_ids=outcome_ids,
                         outcome_group_id=outcome_group_id, exclude=exclude, as_of=as_of, window=window)
        return [MasteryDistribution.from_distribution(d)
                for d in await mastery_distributions(info.context, q, add_defaults)]

    @strawberry.field(description="An outcome's alignments in this course and each selected student's raw score "
                                  "on them (Canvas contributing_scores, docs/behaviour.md §5.1). Graders only.")
    async def contributing_scores(
        self, info: strawberry.Info,
        outcome_id: strawberry.ID,
        user_ids: Optional[list[strawberry.ID]] = None,
        only_assignment_alignments: Optional[bool] = False,
        show_unpublished_assignments: Optional[bool] = False,
    ) -> Optional[ContributingScores]:
        q = ContributingQuery(self.course_id, parse_id(outcome_id, "outcomeId"), user_refs(user_ids, "userIds"),
                              bool(only_assignment_alignments), bool(show_unpublished_assignments))
        result = await contributing_scores(info.context, q)
        return ContributingScores.from_result(self.course_id, result)
