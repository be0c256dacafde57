"""Rollups: per-student mastery scores, course aggregates and mastery distributions
(docs/behaviour.md §3, §1.8, §4.4)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Optional

import strawberry

from outcome_graph.resolvers.distributions import Distribution, selection_rating_percents
from outcome_graph.resolvers.explanations import rollup_explanation
from outcome_graph.resolvers.loaders import load_then
from outcome_graph.resolvers.outcomes import level_of
from outcome_graph.resolvers.rollups import RollupRow, Selection
from outcome_graph.resolvers.time_filter import TimeFilter
from outcome_graph.resolvers.times import utc
from outcome_graph.rollups import RollupScore as Score
from outcome_graph.schema.enums import EnrollmentState
from outcome_graph.schema.explanation import RollupExplanation
from outcome_graph.schema.outcome import Outcome, Rating
from outcome_graph.schema.paging import PageInfo
from outcome_graph.schema.user import Section, User

if TYPE_CHECKING:
    from outcome_graph.schema.course import Course


@strawberry.type(description="A student's (or the course's) mastery score for one outcome (docs/behaviour.md §1).")
class RollupScore:
    score: Optional[float] = strawberry.field(
        description="The rolled-up score, rounded to 2 decimals like Canvas (the median is not rounded); null "
                    "when the method yields nothing (e.g. n-mastery not met).")
    count: int = strawberry.field(
        description="Results rolled up (students, for a course aggregate).")
    title: Optional[str] = strawberry.field(description="Name of the most recently assessed item.")
    submitted_at: Optional[datetime] = strawberry.field(description="Time of the most recent result.")
    hide_points: bool = strawberry.field(description="Whether every result the score used hides points.")
    outcome: Outcome = strawberry.field(description="The outcome.")
    _user_id: strawberry.Private[Optional[int]] = None  # the student; None for a course aggregate
    _when: strawberry.Private[Optional[TimeFilter]] = None  # the filter the score was computed with (docs/windows.md)

    @classmethod
    def from_score(cls, outcome: Outcome, s: Score, user_id: int | None = None,
                   when: TimeFilter | None = None) -> "RollupScore":
        # A plain attribute, not a resolver: pages hold thousands of scores (docs/conventions.md §13).
        return cls(score=s.score, count=s.count, title=s.title, submitted_at=utc(s.submitted_at),
                   hide_points=s.hide_points, outcome=outcome, _user_id=user_id, _when=when)

    @strawberry.field(description="How this score was computed from the student's results (docs/methods.md §6): "
                                  "the method, its parameters, every candidate result in order with its weight or "
                                  "why it did not count, the steps, the value before rounding. Graders see hidden "
                                  "results too; students and observers what they may see. A score computed asOf "
                                  "a date or in a window explains that score: results outside it are listed as "
                                  "OUTSIDE_WINDOW (docs/windows.md). Null for a course "
                                  "aggregate. Computed on demand: ask for it on a narrow selection (its lists count "
                                  "against the request's cost limit).")
    async def explanation(self, info: strawberry.Info) -> Optional[RollupExplanation]:
        if self._user_id is None or self.outcome._course_id is None:
            return None
        found = await rollup_explanation(info.context, self.outcome._course_id, self._user_id, self.outcome._row,
                                         self._when)
        return None if found is None else RollupExplanation.from_explanation(found)

    @strawberry.field(description="The rating level the score falls in: the highest whose points the score "
                                  "reaches (as masteryDistribution buckets it), with its mastery flag "
                                  "and colour as Outcome.ratings gives them; null without a score or below every "
                                  "level.")
    async def rating(self, info: strawberry.Info) -> Optional[Rating]:
        level = level_of(await self.outcome.effective_scoring(info), self.score)
        return None if level is None else Rating.from_level(level)


async def course_outcomes(ctx, course_id: int, outcome_ids: list[int]) -> dict[int, Outcome]:
    """One Outcome object per selected outcome, shared by every score that names it."""
    rows = await ctx.loaders.outcome_by_id.load_many(outcome_ids)
    return {r.id: Outcome.from_row(r, course_id) for r in rows}


@strawberry.type(description="The state of one of a student's enrollments: Canvas's rollup row per section.")
class RollupEnrollment:
    status: EnrollmentState = strawberry.field(description="Canvas's links.status for this section.")
    _section_id: strawberry.Private[int]

    @strawberry.field(description="The section.")
    def section(self, info: strawberry.Info) -> Section:
        return load_then(info.context.loaders.section_by_id, self._section_id, Section.from_row)


@strawberry.type(description="One student's rollup: a score per outcome with results.")
class Rollup:
    user: User = strawberry.field(description="The student.")
    scores: list[RollupScore] = strawberry.field(
        description="Scores of the outcomes the student has results for, in outcome display order.")
    score_slots: list[Optional[RollupScore]] = strawberry.field(
        description="One slot per selected outcome, in the order of RollupConnection.outcomes (the course's "
                    "display order): the student's score, or null where they have none. A grid's row as is.")
    enrollment_status: EnrollmentState = strawberry.field(
        description="The student's best enrollment state among the sections in scope (ACTIVE, then INVITED, "
                    "COMPLETED, INACTIVE): one active enrollment makes them ACTIVE. Per section: enrollments.")
    enrollments: list[RollupEnrollment] = strawberry.field(
        description="Each of the student's enrollments in scope with its state (Canvas repeats the rollup row "
                    "per section with its links.status).")
    _section_ids: strawberry.Private[list[int]]

    @classmethod
    def from_row(cls, user: User, row: RollupRow, outcomes: dict[int, Outcome], order: list[int],
                 when: TimeFilter | None = None) -> "Rollup":
        """order: the selected outcome ids in display order (Selection.outcome_ids); when: the scores' filter."""
        scores = {o: RollupScore.from_score(outcomes[o], s, row.user_id, when) for o, s in row.scores}
        return cls(user=user, scores=list(scores.values()), score_slots=[scores.get(o) for o in order],
                   enrollment_status=EnrollmentState(row.status),
                   enrollments=[RollupEnrollment(status=EnrollmentState(state), _section_id=section)
                                for section, state in row.enrollments],
                   _section_ids=row.sections)

    @strawberry.field(description="The student's sections in scope (Canvas repeats the row per section).")
    async def sections(self, info: strawberry.Info) -> list[Section]:
        rows = await info.context.loaders.section_by_id.load_many(self._section_ids)
        return [Section.from_row(r) for r in rows]


async def rollup_nodes(ctx, rows: list[RollupRow], sel: Selection) -> list[Rollup]:
    """The Rollup of each row of a selection: the one place a Rollup is built (course pages, a user's rollup)."""
    outcomes = await course_outcomes(ctx, sel.access.course_id, sel.outcome_ids)
    users = await ctx.loaders.user_by_id.load_many([row.user_id for row in rows])
    return [Rollup.from_row(User.from_row(user), row, outcomes, sel.outcome_ids, sel.when)
            for row, user in zip(rows, users)]


@strawberry.type(description="An edge of RollupConnection.")
class RollupEdge:
    cursor: str = strawberry.field(description="Opaque cursor, stable for the sort it was made for.")
    node: Rollup = strawberry.field(description="The student's rollup.")


async def _rated_outcomes(info, sel: Selection, with_percents: bool) -> list[Outcome]:
    rows = await info.context.loaders.outcome_by_id.load_many(sel.outcome_ids)
    outcomes = [Outcome.from_row(r, sel.access.course_id) for r in rows]
    if with_percents:
        percents = await selection_rating_percents(info.context, sel)
        for o, row in zip(outcomes, rows):
            o._rating_percents = percents[row.id]
    return outcomes


@strawberry.type(description="A page of student rollups with the total count of students after exclusions.")
class RollupConnection:
    edges: list[RollupEdge] = strawberry.field(description="The page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
    total_count: int = strawberry.field(description="Students over all pages, after exclusions.")
    _selection: strawberry.Private[Any]

    @strawberry.field(description="The page's rollups without edges.")
    def nodes(self) -> list[Rollup]:
        return [e.node for e in self.edges]

    @strawberry.field(description="The selected outcomes after exclusions, in display order (Canvas's "
                                  "linked.outcomes). With ratingPercents, each rating carries the share of all "
                                  "selected students (not just this page) in it (docs/behaviour.md §4.4).")
    async def outcomes(self, info: strawberry.Info, rating_percents: bool = False) -> list[Outcome]:
        return await _rated_outcomes(info, self._selection, rating_percents)


@strawberry.type(description="Course-level statistic of the selected students' rollups.")
class CourseRollup:
    scores: list[RollupScore] = strawberry.field(
        description="One score per outcome with results; count is the number of students rolled up.")
    _course_id: strawberry.Private[int]

    @strawberry.field(description="The course.")
    async def course(self, info: strawberry.Info) -> Annotated["Course", strawberry.lazy("outcome_graph.schema.course")]:
        from outcome_graph.schema.course import Course

        return Course.from_row(await info.context.loaders.course_by_id.load(self._course_id))


@strawberry.type(description="Students whose rollup falls in one rating (highest points first).")
class RatingDistribution:
    description: str = strawberry.field(description="The rating's description.")
    points: float = strawberry.field(description="The rating's points.")
    color: Optional[str] = strawberry.field(description="The rating's colour, when known.")
    count: int = strawberry.field(description="Students in this rating.")
    student_ids: list[strawberry.ID] = strawberry.field(description="Those students' ids.")


@strawberry.type(description="How the selected students' rollups for one outcome spread over its ratings "
                             "(docs/behaviour.md §4.4, §5.4).")
class MasteryDistribution:
    ratings: list[RatingDistribution] = strawberry.field(description="Buckets, highest rating first.")
    total_students: int = strawberry.field(description="Students with a non-null rollup score.")
    _outcome_id: strawberry.Private[int]
    _course_id: strawberry.Private[int]

    @classmethod
    def from_distribution(cls, d: Distribution) -> "MasteryDistribution":
        return cls(ratings=[RatingDistribution(description=b.description, points=b.points, color=b.color,
                                               count=len(b.student_ids),
                                               student_ids=[strawberry.ID(str(u)) for u in b.student_ids])
                            for b in d.ratings],
                   total_students=d.total_students, _outcome_id=d.outcome_id, _course_id=d.course_id)

    @strawberry.field(description="The outcome.")
    async def outcome(self, info: strawberry.Info) -> Outcome:
        return Outcome.from_row(await info.context.loaders.outcome_by_id.load(self._outcome_id), self._course_id)
