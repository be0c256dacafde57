"""Effective scoring of an outcome and the per-result score scale (docs/behaviour.md §1.2 item 4, §4.2)."""

from dataclasses import dataclass
from operator import itemgetter

from .score import ASSOCIATION, IS_QUIZ, PERCENT, POSSIBLE, RESULT_ID
from .registry import DEFAULT_TIE_BREAK, method_named
from .validation import stored_calculation

@dataclass(frozen=True, slots=True)
class Scoring:
    """How one outcome is rolled up in one course, after course overrides (docs/behaviour.md §4.2)."""

    method: str
    calc_int: int | None
    points_possible: float | None
    mastery_points: float | None
    tie_break: str | None = None  # mode's tie rule (docs/methods.md §2.2)
    minimum_evidence: int | None = None  # fewer results: a null score (docs/methods.md §5)
    ratings: tuple = ()  # ({description, points, mastery?, color?}, ...) highest points first
    from_course_scale: bool = False

    @property
    def rating_points(self) -> tuple:
        return tuple(r["points"] for r in self.ratings)


def resolve_scoring(
    *,
    method: str | None,
    calc_int: int | None,
    points_possible: float | None,
    mastery_points: float | None,
    tie_break: str | None = None,
    minimum_evidence: int | None = None,
    ratings=(),
    from_course_scale: bool = False,
) -> Scoring:
    """A Scoring from settings already in effect, normalised leniently as Canvas's calculator does."""
    method, calc_int = stored_calculation(method, calc_int)
    if method_named(method).tie_break:
        tie_break = tie_break or DEFAULT_TIE_BREAK
    else:
        tie_break = None
    return Scoring(
        method,
        calc_int,
        None if points_possible is None else float(points_possible),
        None if mastery_points is None else float(mastery_points),
        tie_break,
        minimum_evidence or None,
        tuple(ratings or ()),
        from_course_scale,
    )


def effective_scoring(outcome, scale=None, course_method=None) -> Scoring:
    """The one rule "the course's scale and method override the outcome's" (docs/behaviour.md §4.2), as
    Canvas's mastery_scale_opts applies it: any row-like objects with the columns of models.Outcome,
    models.MasteryScale and models.CourseCalculationMethod (a missing scale or method: None)."""
    if course_method is not None:
        method = (course_method.method, course_method.calculation_int,
                  getattr(course_method, "tie_break", None), getattr(course_method, "minimum_evidence", None))
    else:
        method = (outcome.calculation_method, outcome.calculation_int,
                  getattr(outcome, "tie_break", None), getattr(outcome, "minimum_evidence", None))
    points = scale if scale is not None else outcome
    return resolve_scoring(method=method[0], calc_int=method[1], tie_break=method[2], minimum_evidence=method[3],
                           points_possible=points.points_possible, mastery_points=points.mastery_points,
                           ratings=points.ratings or (), from_course_scale=scale is not None)


def scale_factor(scoring: Scoring) -> float | None:
    """What a percent is multiplied by: PP, or MP when PP <= 0 or null (docs/behaviour.md §1.2 item 4)."""
    pp, mp = scoring.points_possible, scoring.mastery_points
    if pp is not None and pp > 0:
        return float(pp)
    # Canvas has no answer when MP is null too; we then keep raw scores (None = no scale).
    return None if mp is None else float(mp)


def scaled_scores(scores: list, percents: list, factor: float | None) -> list:
    """Per-result scores on the outcome's scale, so results of any size compare (docs/behaviour.md §1.2 item 4)."""
    if factor is None:
        return scores
    nulls = percents.count(None)
    if not nulls:
        return [p * factor for p in percents]
    if nulls == len(percents):
        return scores
    return [s if p is None else p * factor for s, p in zip(scores, percents)]


_BY_RESULT_ID = itemgetter(RESULT_ID)


def pool_quizzes(rows: list, vals: list, factor: float) -> list:
    """Replace each quiz result by its association's possible-weighted mean (docs/behaviour.md §1.2 item 4)."""
    sums: dict = {}
    # Canvas adds in query order (result id) with plain +=, starting from 0.0.
    for row in sorted(rows, key=_BY_RESULT_ID):
        possible, percent = row[POSSIBLE], row[PERCENT]
        if not row[IS_QUIZ] or possible is None or percent is None:
            continue  # docs/behaviour.md §1.2 item 4: a null possible is skipped (a null percent too: data error)
        acc = sums.get(row[ASSOCIATION])
        if acc is None:
            acc = sums[row[ASSOCIATION]] = [0.0, 0.0]
        acc[0] += possible
        acc[1] += possible * percent
    out = list(vals)
    for i, row in enumerate(rows):
        if row[IS_QUIZ]:
            acc = sums.get(row[ASSOCIATION])
            # docs/behaviour.md §1.2 item 4: (weighted / total) x factor; empty sums give a null score.
            out[i] = (acc[1] / acc[0]) * factor if acc is not None and acc[0] != 0 else None
    return out
