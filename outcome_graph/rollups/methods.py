"""The seven calculation methods over chronologically ordered per-result scores (docs/behaviour.md §1.3-§1.6)."""

from math import fsum

from .rounding import ruby_round

# Means use math.fsum: Canvas's Array#sum is Ruby's Kahan-Babuska compensated sum, and the
# correctly rounded fsum gives the same double whenever the error terms add up exactly,
# i.e. for every realistic score set (tests/unit/test_rollup_properties.py checks this).
# The `w/100` weights of docs/behaviour.md §1.3 are evaluated as Canvas does, `0.01 * w`
# (app/models/rollup_score.rb): `(latest * w) / 100` rounds differently in about 0.2 % of cases
# (5.0 after 1.0 and 2.0 at w = 23: Canvas 2.305 -> 2.31, the other order 2.3049999999999997 -> 2.3).


def weights(calc_int: int) -> tuple[float, float]:
    """The (latest, older) factors of a weight or decay rate, computed as Canvas does."""
    return 0.01 * calc_int, 0.01 * (100 - calc_int)


def highest(scores: list) -> float:
    """docs/behaviour.md §1.6: the maximum per-result score, rounded."""
    return ruby_round(max(scores))


def latest(scores: list) -> float:
    """docs/behaviour.md §1.6: the chronologically last per-result score, rounded."""
    return ruby_round(scores[-1])


def average(scores: list) -> float:
    """docs/behaviour.md §1.6: the arithmetic mean of all per-result scores, rounded."""
    return ruby_round(fsum(scores) / len(scores))


def weighted_average(scores: list, latest_w: float, older_w: float) -> float:
    """docs/behaviour.md §1.3: latest x w/100 + mean(earlier) x (100 - w)/100, rounded once."""
    last = scores[-1]
    if len(scores) == 1:
        return ruby_round(last)
    older = scores[:-1]
    return ruby_round(last * latest_w + (fsum(older) / len(older)) * older_w)


def standard_decaying_average(scores: list, rate_w: float, remaining_w: float) -> float:
    """docs/behaviour.md §1.4: d = d x (100 - r)/100 + s x r/100 over time, rounded at the end only."""
    if len(scores) == 1:
        return ruby_round(scores[0])
    it = iter(scores)
    d = next(it) * remaining_w + next(it) * rate_w
    for s in it:
        d = d * remaining_w + s * rate_w
    return ruby_round(d)


def n_mastery(scores: list, n: int, mastery_points: float | None) -> float | None:
    """docs/behaviour.md §1.5: mean of all scores >= mastery when at least n results and n of them qualify."""
    if len(scores) < n or mastery_points is None:
        return None  # a null mastery threshold cannot be met (Canvas would fail)
    kept = [s for s in scores if s >= mastery_points]
    if not kept or len(kept) < n:
        return None
    return ruby_round(fsum(kept) / len(kept))
