"""A result's percent on its outcome's scale, as Canvas stores it (docs/behaviour.md §2.2, §4.3)."""

from math import isfinite
from sys import float_info

from .rounding import ruby_round


def _by_scale(score: float, possible: float, scale: float, alignment_mastery: float) -> float:
    """docs/behaviour.md §2.2 custom mastery: stretch the part above the alignment's mastery line."""
    # Operation order of Canvas's LearningOutcomeResult#calculate_by_scale, which docs/behaviour.md
    # §2.2 describes: cutoff = possible x (1 - M_a) is computed as possible - possible x M_a.
    scale_points = (possible / scale) - possible
    cutoff = possible - (possible * alignment_mastery)
    above = (score + cutoff) - possible  # = score - possible x M_a
    if above > 0 and cutoff > 0:
        return ((score + (above / cutoff) * scale_points) / possible) * scale
    return (score / possible) * scale


def compute_percent(
    score: float | None,
    possible: float | None,
    *,
    points_possible: float | None,
    mastery_points: float | None,
    alignment_mastery: float | None,
    course_scale: bool = False,
) -> float | None:
    """Store a result's percent as Canvas does, since rollups multiply it by points (docs/behaviour.md §2.2)."""
    # points_possible/mastery_points are the outcome's, or the course scale's when course_scale
    # (FF account_level_mastery_scales): that flag only changes the fallback divisor below.
    if score is None:
        return None
    score = float(score)
    pp = float(points_possible or 0.0)
    mp = float(mastery_points or 0.0)
    try:
        # docs/behaviour.md §2.2: M_o = MP / PP exactly, only when both are positive.
        if mp > 0 and pp > 0 and alignment_mastery is not None and alignment_mastery > 0:
            scale = (mp / pp) / alignment_mastery
            # docs/behaviour.md §2.2 "M_o / M_a != 1" (Canvas: |scale - 1| > Float::EPSILON); needs possible.
            if abs(scale - 1.0) > float_info.epsilon and possible is not None:
                value = ruby_round(_by_scale(score, float(possible), scale, alignment_mastery), 4)
                return value if isfinite(value) else None
        if possible is not None and possible > 0:
            value = score / float(possible)
        elif course_scale and pp > 0:
            value = score / pp  # docs/behaviour.md §2.2: the course scale's points possible (FF on)
        elif not course_scale and mp > 0:
            value = score / mp  # docs/behaviour.md §2.2: the outcome's mastery points
        else:
            return None
    except ZeroDivisionError:  # Ruby divides to Infinity/NaN, which is stored as null
        return None
    return value if isfinite(value) else None  # docs/behaviour.md §2.2: non-finite -> null
