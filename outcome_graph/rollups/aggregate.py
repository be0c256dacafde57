"""The course-level statistic over students' rollup scores (docs/behaviour.md §1.8)."""

from collections.abc import Sequence
from math import fsum

from .rounding import ruby_round
from .score import RollupScore

STATS = ("mean", "median")


def mean_score(values: list) -> float | None:
    """docs/behaviour.md §1.8 item 3: the mean, rounded to 2 decimals (fsum: see methods.py)."""
    return ruby_round(fsum(values) / len(values)) if values else None


def median_score(values: list) -> float | None:
    """docs/behaviour.md §1.8 item 4: average of positions (k-1)//2 and k//2 of the sorted values, unrounded."""
    ordered = sorted(values)
    k = len(ordered)
    return (ordered[(k - 1) // 2] + ordered[k // 2]) / 2.0 if k else None


def aggregate(scores: Sequence[RollupScore], stat: str = "mean") -> RollupScore:
    """Mean or median of the students' non-null scores for one outcome (docs/behaviour.md §1.8)."""
    if stat not in STATS:
        raise ValueError("invalid aggregate_stat parameter value")  # docs/behaviour.md §3.3
    present = [s.score for s in scores if s.score is not None]
    value = mean_score(present) if stat == "mean" else median_score(present)
    hide = all(s.hide_points for s in scores) if scores else False  # docs/behaviour.md §1.8 item 7
    # docs/behaviour.md §1.8 items 5, 7: count = students rolled up; no title or submitted_at.
    return RollupScore(value, len(scores), None, None, hide)
