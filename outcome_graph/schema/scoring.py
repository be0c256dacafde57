"""Course.calculationMethod and Course.masteryScale: the course-level scoring overrides, readable."""

from __future__ import annotations

from typing import Optional

import strawberry

from outcome_graph.resolvers.outcomes import scale_levels
from outcome_graph.rollups import method_named
from outcome_graph.schema.enums import CalculationMethod, TieBreak
from outcome_graph.schema.outcome import Rating


@strawberry.type(description="A course's own calculation method: it replaces every outcome's in the course "
                             "Set with setCourseCalculationMethod.")
class CourseCalculationMethod:
    method: CalculationMethod = strawberry.field(description="How every outcome of the course rolls up.")
    calculation_int: Optional[int] = strawberry.field(
        description="The method's parameter (decaying weight, n of n-mastery, N of the recent and highest "
                    "averages); null for methods without one.")
    tie_break: Optional[TieBreak] = strawberry.field(
        default=None, description="How MODE settles a tie; null for other methods (docs/methods.md §2.2).")
    minimum_evidence: Optional[int] = strawberry.field(
        default=None, description="Results a student needs before the score is computed; null: no minimum "
                                  "(docs/methods.md §5).")

    @classmethod
    def from_row(cls, row) -> "CourseCalculationMethod | None":
        if row is None:
            return None
        takes_int = method_named(row.method).int_range is not None
        return cls(method=CalculationMethod(row.method),
                   calculation_int=row.calculation_int if takes_int else None,
                   tie_break=None if row.tie_break is None else TieBreak(row.tie_break),
                   minimum_evidence=row.minimum_evidence)


@strawberry.type(description="A course's own mastery scale: its ratings replace every outcome's points and "
                             "ratings in the course. Set with setCourseMasteryScale.")
class MasteryScale:
    points_possible: float = strawberry.field(description="The highest rating's points.")
    mastery_points: float = strawberry.field(description="The mastery rating's points.")
    ratings: list[Rating] = strawberry.field(
        description="Rating levels, highest points first, with their stored mastery flag and colour; exactly one "
                    "is the mastery level.")

    @classmethod
    def from_row(cls, row) -> "MasteryScale | None":
        if row is None:
            return None
        return cls(points_possible=row.points_possible, mastery_points=row.mastery_points,
                   ratings=[Rating.from_level(level) for level in scale_levels(row.ratings)])
