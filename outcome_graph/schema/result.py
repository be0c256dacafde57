"""OutcomeResult: one student's result for one outcome on one assessed thing (docs/behaviour.md §2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import strawberry
from strawberry.federation.schema_directives import Key

from outcome_graph.resolvers.assets import ASSIGNMENT_TYPES, asset_string
from outcome_graph.resolvers.loaders import load_then
from outcome_graph.resolvers.paging import Page, total_of
from outcome_graph.resolvers.access import entry_point, result_posting, visible_result
from outcome_graph.schema.outcome import Alignment, Outcome, alignment_of
from outcome_graph.schema.paging import PageInfo
from outcome_graph.resolvers.times import utc
from outcome_graph.schema.user import User


@strawberry.type(description="The assignment behind a result, when there is one.")
class Assignment:
    id: strawberry.ID = strawberry.field(description="The assignment's (or quiz's) id.")
    name: str = strawberry.field(description="Name.")
    html_url: Optional[str] = strawberry.field(description="Where it lives.")
    asset_string: str = strawberry.field(description="Canvas asset string, e.g. 'assignment_53'.")
    published: bool = strawberry.field(description="Whether it is published.")
    post_policy: str = strawberry.field(description="automatic or manual (results held back until posted).")

    @classmethod
    def from_row(cls, a: Any) -> "Assignment":
        return cls(id=strawberry.ID(str(a.id)), name=a.name, html_url=a.html_url, asset_string=asset_string(a),
                   published=bool(a.published), post_policy=a.post_policy)


@strawberry.type(description="A student's result for an outcome on one assessed thing.",
                 directives=[Key(fields="id")])
class OutcomeResult:
    id: strawberry.ID = strawberry.field(description="The result's id.")
    score: Optional[float] = strawberry.field(description="Raw points on the assessed thing.")
    possible: Optional[float] = strawberry.field(description="Points possible on the assessed thing.")
    percent: Optional[float] = strawberry.field(
        description="Score as a fraction of the outcome's scale, after custom mastery scaling "
                    "(docs/behaviour.md §2.2).")
    mastery: Optional[bool] = strawberry.field(description="Whether the producer judged mastery reached.")
    hidden: bool = strawberry.field(description="Hidden from the Learning Mastery Gradebook (never rolled up).")
    hide_points: bool = strawberry.field(description="Points are not shown for this result.")
    submitted_or_assessed_at: Optional[datetime] = strawberry.field(
        description="Submission time, else assessment time: the time rollups order by.")
    submitted_at: Optional[datetime] = strawberry.field(description="Submission time.")
    assessed_at: Optional[datetime] = strawberry.field(description="Assessment time.")
    title: Optional[str] = strawberry.field(description="'Student name, assessed item'.")
    artifact_type: str = strawberry.field(
        description="rubric_assessment, quiz_submission, live_assessment or other.")
    _row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> "OutcomeResult":
        submitted, assessed = utc(row.submitted_at), utc(row.assessed_at)
        return cls(id=strawberry.ID(str(row.id)), score=row.score, possible=row.possible, percent=row.percent,
                   mastery=row.mastery, hidden=bool(row.hidden), hide_points=bool(row.hide_points),
                   submitted_or_assessed_at=submitted or assessed, submitted_at=submitted, assessed_at=assessed,
                   title=row.title, artifact_type=row.artifact_type, _row=row)

    @classmethod
    @entry_point("OutcomeResult._entities")
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> "OutcomeResult | None":
        row = await visible_result(info.context, id)
        return None if row is None else cls.from_row(row)

    # Sync resolvers: a page's users, outcomes, alignments and assets are loaded with it (resolvers/results.py).
    @strawberry.field(description="The student.")
    def user(self, info: strawberry.Info) -> User:
        return load_then(info.context.loaders.user_by_id, self._row.user_id, User.from_row)

    @strawberry.field(description="The outcome.")
    def outcome(self, info: strawberry.Info) -> Outcome:
        return load_then(info.context.loaders.outcome_by_id, self._row.outcome_id,
                         lambda row: Outcome.from_row(row, self._row.course_id))

    @strawberry.field(description="What was assessed: the aligned assignment, quiz, rubric or bank.")
    def alignment(self, info: strawberry.Info) -> Alignment:
        return alignment_of(info.context.loaders, self._row.alignment_id)

    @strawberry.field(description="Whether the result is posted: false while a manual post policy of its "
                                  "assignment holds it back. For graders; null for anyone else.")
    async def posted(self, info: strawberry.Info) -> Optional[bool]:
        posting = await result_posting(info.context, self._row)
        return None if posting is None else posting.posted

    @strawberry.field(description="Whether the student (and their observers) see this result: posted and not "
                                  "hidden. For graders, to tell what the student's page shows; null for anyone "
                                  "else (what they see is visible to them by definition).")
    async def visible_to_student(self, info: strawberry.Info) -> Optional[bool]:
        posting = await result_posting(info.context, self._row)
        return None if posting is None else posting.visible_to_student

    @strawberry.field(description="The assignment (or quiz) behind the result; null for rubrics and banks.")
    async def assignment(self, info: strawberry.Info) -> Optional[Assignment]:
        loaders = info.context.loaders
        alignment = await loaders.alignment_by_id.load(self._row.alignment_id)
        asset = await loaders.asset_by_id.load(alignment.asset_id)
        return Assignment.from_row(asset) if asset.type in ASSIGNMENT_TYPES else None


@strawberry.type(description="An edge of OutcomeResultConnection.")
class OutcomeResultEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this edge.")
    node: OutcomeResult = strawberry.field(description="The result.")


@strawberry.type(description="A page of outcome results, ordered by student sortable name, student id, "
                             "outcome id and result id (docs/behaviour.md §2.4).")
class OutcomeResultConnection:
    edges: list[OutcomeResultEdge] = strawberry.field(description="The page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
    _page: strawberry.Private[Page]

    @strawberry.field(description="Results matching the filters, over all pages.")
    async def total_count(self) -> int:
        return await total_of(self._page)

    @strawberry.field(description="The page's results without edges.")
    def nodes(self) -> list[OutcomeResult]:
        return [e.node for e in self.edges]


def result_connection(page: Page) -> OutcomeResultConnection:
    return OutcomeResultConnection(
        edges=[OutcomeResultEdge(cursor=c, node=OutcomeResult.from_row(row)) for row, c in zip(page.items, page.cursors)],
        page_info=PageInfo.from_page(page), _page=page)

