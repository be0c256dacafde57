"""RollupScore.explanation: how a rollup score was computed, with the student's own results
(docs/methods.md §6)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Optional

import strawberry

from outcome_graph.resolvers.times import utc
from outcome_graph.rollups import Explanation
from outcome_graph.rollups.working import EXCLUSION_REASONS, NULL_REASONS
from outcome_graph.schema.enums import CalculationMethod, TieBreak

ExclusionReason = strawberry.enum(
    Enum("ExclusionReason", {name.upper(): name for name in EXCLUSION_REASONS}),
    description="Why a candidate result did not count (docs/methods.md §6): HIDDEN (graders see these), NO_SCORE, "
                "POOLED_QUIZ (its quiz's pool is empty), SUPERSEDED (older than the results the method uses), "
                "NOT_HIGHEST, BELOW_MASTERY and NOT_ENOUGH_MASTERY (n-mastery), ZERO_IN_POWER_LAW, OUTSIDE_WINDOW, "
                "INSUFFICIENT_EVIDENCE (fewer results than the minimum).")
NullScoreReason = strawberry.enum(
    Enum("NullScoreReason", {name.upper(): name for name in NULL_REASONS}),
    description="Why a score is null: fewer results than minimumEvidence, n-mastery not reached, or a MODE tie "
                "under tieBreak NONE (docs/methods.md §5, §2.2).")


@strawberry.type(description="The method's parameters as the score used them.")
class ExplanationParameters:
    calculation_int: Optional[int] = strawberry.field(description="The method's parameter, when it takes one.")
    tie_break: Optional[TieBreak] = strawberry.field(description="MODE's tie rule.")
    minimum_evidence: Optional[int] = strawberry.field(description="Results needed before a score is computed.")
    mastery_points: Optional[float] = strawberry.field(description="Mastery points (n-mastery's threshold).")
    scale_factor: Optional[float] = strawberry.field(
        description="What each result's percent was multiplied by: points possible, else mastery points "
                    "(docs/behaviour.md §1.2 item 4); null: raw scores were used.")
    scale_low: Optional[float] = strawberry.field(description="The lowest rating's points (POWER_LAW clamps here).")
    scale_high: Optional[float] = strawberry.field(description="The highest rating's points.")


@strawberry.type(description="A candidate result in the order the method used (time, then result id).")
class ExplainedResult:
    result_id: strawberry.ID = strawberry.field(description="The result's id.")
    ordered_at: Optional[datetime] = strawberry.field(description="The time that ordered it (submitted, else "
                                                                  "assessed); null: no time, ordered first.")
    raw_score: Optional[float] = strawberry.field(description="The result's own score.")
    score: Optional[float] = strawberry.field(
        description="Its score on the outcome's scale as the method used it (a quiz: its pooled score).")
    pooled_quiz: bool = strawberry.field(description="A quiz result standing for its quiz's pooled score.")
    counted: bool = strawberry.field(description="Whether it counted in the score.")
    excluded_because: Optional[ExclusionReason] = strawberry.field(description="Why it did not count.")
    weight: Optional[float] = strawberry.field(
        description="Its share of the score, for methods that weigh results (averages, decaying methods).")
    ordinal: Optional[int] = strawberry.field(description="POWER_LAW: its x, the assessment's number.")
    level: Optional[float] = strawberry.field(description="MODE: the rating level it falls in.")


@strawberry.type(description="An intermediate value of the computation.")
class ExplanationStep:
    name: str = strawberry.field(description="What it is, e.g. d3, a, b, fitted, mean of earlier, level 3.0.")
    value: Optional[float] = strawberry.field(description="Its value, unrounded.")
    formula: str = strawberry.field(description="How it was computed, with the numbers.")


@strawberry.type(description="How a rollup score was computed from the student's results (docs/methods.md §6): "
                             "recomputing from it gives the score exactly.")
class RollupExplanation:
    method: CalculationMethod = strawberry.field(description="The method in effect.")
    parameters: ExplanationParameters = strawberry.field(description="Its parameters.")
    inputs: list[ExplainedResult] = strawberry.field(description="Every candidate result, in the order used.")
    steps: list[ExplanationStep] = strawberry.field(description="Intermediate values, in order.")
    value_before_rounding: Optional[float] = strawberry.field(description="The value before rounding.")
    clamped_from: Optional[float] = strawberry.field(
        description="POWER_LAW: the fitted value, when keeping it within the scale changed it.")
    score: Optional[float] = strawberry.field(description="The score (as RollupScore.score).")
    rounding: str = strawberry.field(description="The rounding applied.")
    null_reason: Optional[NullScoreReason] = strawberry.field(description="Why the score is null, when it is.")

    @classmethod
    def from_explanation(cls, e: Explanation) -> "RollupExplanation":
        p = e.parameters
        return cls(
            method=CalculationMethod(e.method),
            parameters=ExplanationParameters(
                calculation_int=p["calculation_int"],
                tie_break=None if p["tie_break"] is None else TieBreak(p["tie_break"]),
                minimum_evidence=p["minimum_evidence"], mastery_points=p["mastery_points"],
                scale_factor=p["scale_factor"], scale_low=p["low"], scale_high=p["high"]),
            inputs=[ExplainedResult(
                result_id=strawberry.ID(str(i.result_id)), ordered_at=utc(i.at), raw_score=i.raw_score,
                score=i.score, pooled_quiz=i.pooled, counted=i.counted,
                excluded_because=None if i.reason is None else ExclusionReason(i.reason), weight=i.weight,
                ordinal=i.ordinal, level=i.level) for i in e.inputs],
            steps=[ExplanationStep(name=s.name, value=s.value, formula=s.formula) for s in e.steps],
            value_before_rounding=e.value_before_rounding, clamped_from=e.clamped_from, score=e.score,
            rounding=e.rounding,
            null_reason=None if e.null_reason is None else NullScoreReason(e.null_reason))
