"""The Mutation root (docs/architecture.md §4): result writes, outcome order, scoring settings, recalculation jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry

from outcome_graph.resolvers import writes
from outcome_graph.resolvers.access import entry_point
from outcome_graph.resolvers.jobs import enqueue_calculation
from outcome_graph.schema.course import Course
from outcome_graph.schema.enums import CalculationMethod, TieBreak
from outcome_graph.schema.job import RollupJob
from outcome_graph.schema.outcome import Outcome
from outcome_graph.schema.result import OutcomeResult


@strawberry.input(description="An outcome's place in the viewer's Learning Mastery Gradebook order "
                              "(docs/behaviour.md §5.2).")
class OutcomeOrderInput:
    outcome_id: strawberry.ID = strawberry.field(description="An outcome linked in the course.")
    position: int = strawberry.field(description="Its position; outcomes are shown by ascending position.")


@strawberry.input(description="A student's result on one aligned thing. Recording it again for the same student "
                              "and alignment updates the stored result in place (docs/behaviour.md §2.5): a field "
                              "left out "
                              "(or null) keeps its stored value; percent and mastery, left out, follow the new "
                              "points when score, possible or percent is given.")
class OutcomeResultInput:
    user_id: strawberry.ID = strawberry.field(description="The student (an id or sis_user_id:X).")
    alignment_id: strawberry.ID = strawberry.field(description="The alignment assessed (Outcome.alignments).")
    outcome_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="The aligned outcome; when given it must be the alignment's.")
    score: Optional[float] = strawberry.field(
        default=None, description="Raw points on the assessed thing: at least 0 (above possible is extra credit).")
    possible: Optional[float] = strawberry.field(
        default=None, description="Points possible on the assessed thing: greater than 0.")
    percent: Optional[float] = strawberry.field(
        default=None, description="Score on the outcome's scale as a fraction, at least 0 (above 1 is extra credit); "
                                  "computed as Canvas does when null "
                                  "(docs/behaviour.md §2.2, the course mastery scale's points when the course "
                                  "has one).")
    submitted_at: Optional[datetime] = strawberry.field(
        default=None, description="Submission time, with a UTC offset.")
    assessed_at: Optional[datetime] = strawberry.field(
        default=None, description="Assessment time, with a UTC offset.")
    hidden: Optional[bool] = strawberry.field(
        default=None, description="Hide from the gradebook and from rollups; null keeps the stored value (false for "
                                  "a new result).")
    hide_points: Optional[bool] = strawberry.field(
        default=None, description="Do not show points for it; null keeps the stored value (false for a new result).")
    title: Optional[str] = strawberry.field(
        default=None, description="'Student name, assessed item' (rollups show the part after the first ', ').")
    mastery: Optional[bool] = strawberry.field(
        default=None, description="Whether mastery was reached; when null, whether the result's points on the "
                                  "outcome's scale reach its mastery points.")
    posted: Optional[bool] = strawberry.field(
        default=None, description="Whether the student may see it under a manual post policy; null keeps the "
                                  "stored value (true for a new result).")


@strawberry.input(description="A level of an outcome's own rating scale (docs/behaviour.md §4.1).")
class RatingInput:
    description: str = strawberry.field(description="What the level means.")
    points: float = strawberry.field(description="Its points (at least 0).")


@strawberry.input(description="A level of a course mastery scale (docs/behaviour.md §4.2).")
class MasteryRatingInput:
    description: str = strawberry.field(description="What the level means.")
    points: float = strawberry.field(description="Its points; strictly decreasing down the list.")
    mastery: Optional[bool] = strawberry.field(default=False, description="The mastery level (exactly one).")
    color: Optional[str] = strawberry.field(default=None, description="Six hex digits, e.g. '0B874B'.")


@strawberry.input(description="Changes to an outcome; null fields stay as they are. A change of method, int, "
                              "ratings or points recalculates every course using the outcome.")
class OutcomeUpdateInput:
    calculation_method: Optional[CalculationMethod] = strawberry.field(
        default=None,
        description="New method; without calculationInt its default int is used (docs/behaviour.md §1.1).")
    calculation_int: Optional[int] = strawberry.field(default=None, description="The method's parameter.")
    tie_break: Optional[TieBreak] = strawberry.field(
        default=None, description="MODE's tie rule; without it a change to MODE takes HIGHER (docs/methods.md §2.2).")
    minimum_evidence: Optional[int] = strawberry.field(
        default=None, description="Results a student needs before a score is computed, 0 to 100; 0 removes the "
                                  "minimum (docs/methods.md §5).")
    ratings: Optional[list[RatingInput]] = strawberry.field(
        default=None, description="New rating levels; pointsPossible becomes the highest level's points.")
    points_possible: Optional[float] = strawberry.field(default=None, description="Points possible.")
    mastery_points: Optional[float] = strawberry.field(default=None, description="Points at which mastery is reached.")
    title: Optional[str] = strawberry.field(default=None, description="Title.")


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Saves the viewer's outcome order in the course, replacing the previous one "
                                     "(docs/behaviour.md §5.2); returns the course's outcomes in the new order. "
                                     "Graders only.")
    @entry_point("Mutation.assignOutcomeOrder")
    async def assign_outcome_order(self, info: strawberry.Info, course_id: strawberry.ID,
                                   order: list[OutcomeOrderInput]) -> list[Outcome]:
        course, rows = await writes.assign_outcome_order(info.context, course_id, order)
        return [Outcome.from_row(row, course) for row in rows]

    @strawberry.mutation(description="Queues a recalculation of a student's stored rollups (or the whole course's "
                                     "without userId), due a minute later; a pending request for the same student "
                                     "is postponed instead of repeated (docs/behaviour.md §5.3). Graders only.")
    @entry_point("Mutation.enqueueOutcomeRollupCalculation")
    async def enqueue_outcome_rollup_calculation(self, info: strawberry.Info, course_id: strawberry.ID,
                                                 user_id: Optional[strawberry.ID] = None) -> RollupJob:
        return RollupJob.from_row(await enqueue_calculation(info.context, course_id, user_id))

    @strawberry.mutation(description="Records results, all or none; their students' rollups are current when it "
                                     "returns. A student's second result on an alignment updates the first in "
                                     "place (docs/behaviour.md §2.5); a new result gets the next id after the "
                                     "highest stored "
                                     "one (ids are the source system's). Graders only.")
    @entry_point("Mutation.recordOutcomeResults")
    async def record_outcome_results(self, info: strawberry.Info, course_id: strawberry.ID,
                                     results: list[OutcomeResultInput]) -> list[OutcomeResult]:
        rows = await writes.record_outcome_results(info.context, course_id, results)
        return [OutcomeResult.from_row(row) for row in rows]

    @strawberry.mutation(description="Hides results from the gradebook and rollups, or shows them again. "
                                     "Graders only.")
    @entry_point("Mutation.setOutcomeResultsHidden")
    async def set_outcome_results_hidden(self, info: strawberry.Info, course_id: strawberry.ID,
                                         result_ids: list[strawberry.ID], hidden: bool) -> list[OutcomeResult]:
        rows = await writes.set_outcome_results_hidden(info.context, course_id, result_ids, hidden)
        return [OutcomeResult.from_row(row) for row in rows]

    @strawberry.mutation(description="Deletes results (they stop counting at once); returns their ids. "
                                     "Graders only.")
    @entry_point("Mutation.deleteOutcomeResults")
    async def delete_outcome_results(self, info: strawberry.Info, course_id: strawberry.ID,
                                     result_ids: list[strawberry.ID]) -> list[strawberry.ID]:
        ids = await writes.delete_outcome_results(info.context, course_id, result_ids)
        return [strawberry.ID(str(i)) for i in ids]

    @strawberry.mutation(description="Changes an outcome linked in the course, with Canvas's rules and messages. "
                                     "Teachers (not section-limited) of every course using it, and admins, only.")
    @entry_point("Mutation.updateOutcome")
    async def update_outcome(self, info: strawberry.Info, course_id: strawberry.ID, outcome_id: strawberry.ID,
                             input: OutcomeUpdateInput) -> Outcome:
        course, row = await writes.update_outcome(info.context, course_id, outcome_id, input)
        return Outcome.from_row(row, course)

    @strawberry.mutation(description="Sets the course's mastery scale, which replaces every outcome's points and "
                                     "ratings in the course (docs/behaviour.md §4.2); null removes it. Teachers (not "
                                     "section-limited) and admins only.")
    @entry_point("Mutation.setCourseMasteryScale")
    async def set_course_mastery_scale(self, info: strawberry.Info, course_id: strawberry.ID,
                                       ratings: Optional[list[MasteryRatingInput]]) -> Course:
        return Course.from_row(await writes.set_course_mastery_scale(info.context, course_id, ratings))

    @strawberry.mutation(description="Sets the course's calculation method, which replaces every outcome's in the "
                                     "course (docs/behaviour.md §4.2); a null method removes it. Teachers (not "
                                     "section-limited) and "
                                     "admins only.")
    @entry_point("Mutation.setCourseCalculationMethod")
    async def set_course_calculation_method(self, info: strawberry.Info, course_id: strawberry.ID,
                                            method: Optional[CalculationMethod],
                                            calculation_int: Optional[int] = None,
                                            tie_break: Optional[TieBreak] = None,
                                            minimum_evidence: Optional[int] = None) -> Course:
        return Course.from_row(await writes.set_course_calculation_method(
            info.context, course_id, None if method is None else method.value, calculation_int,
            None if tie_break is None else tie_break.value, minimum_evidence))

