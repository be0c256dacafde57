"""The calculation methods over chronologically ordered per-result scores (docs/behaviour.md §1.3-§1.6,
docs/methods.md).

Each method is `score(vals, p) -> float | None` over the scaled scores in time order and the outcome's
prepared parameters `p` (Params), resolved once per outcome; rollups/registry.py names them.
"""

from collections import Counter
from math import exp, fsum, log

from .rounding import ruby_round

# Means use math.fsum: Canvas's Array#sum is Ruby's Kahan-Babuska compensated sum, and the
# correctly rounded fsum gives the same double whenever the error terms add up exactly,
# i.e. for every realistic score set (tests/unit/test_rollup_properties.py checks this).
# The `w/100` weights of docs/behaviour.md §1.3 are evaluated as Canvas does, `0.01 * w`
# (app/models/rollup_score.rb): `(latest * w) / 100` rounds differently in about 0.2 % of cases
# (5.0 after 1.0 and 2.0 at w = 23: Canvas 2.305 -> 2.31, the other order 2.3049999999999997 -> 2.3).


class Params:
    """An outcome's method parameters as the kernel reads them (rollups/engine.py prepare)."""

    __slots__ = ("n", "latest_w", "older_w", "mastery_points", "tie_break", "levels", "low", "high")

    def __init__(self, n=None, latest_w=None, older_w=None, mastery_points=None, tie_break=None,
                 levels=(), low=None, high=None):
        self.n = n  # n of n_mastery, N of the recent/highest methods
        self.latest_w, self.older_w = latest_w, older_w  # the decaying methods' (w, 1 - w)
        self.mastery_points = mastery_points
        self.tie_break = tie_break  # mode: higher, lower, most_recent, none
        self.levels = levels  # rating points, highest first (mode, power-law clamp)
        self.low, self.high = low, high  # power law: the scale's range


def weights(calc_int: int) -> tuple[float, float]:
    """The (latest, older) factors of a weight or decay rate, computed as Canvas does."""
    return 0.01 * calc_int, 0.01 * (100 - calc_int)


def highest(scores: list, p: Params | None = None) -> float:
    """docs/behaviour.md §1.6: the maximum per-result score, rounded."""
    return ruby_round(max(scores))


def latest(scores: list, p: Params | None = None) -> float:
    """docs/behaviour.md §1.6: the chronologically last per-result score, rounded."""
    return ruby_round(scores[-1])


def average(scores: list, p: Params | None = None) -> float:
    """docs/behaviour.md §1.6: the arithmetic mean of all per-result scores, rounded."""
    return ruby_round(fsum(scores) / len(scores))


def weighted_average(scores: list, p: Params) -> float:
    """docs/behaviour.md §1.3: latest x w/100 + mean(earlier) x (100 - w)/100, rounded once."""
    last = scores[-1]
    if len(scores) == 1:
        return ruby_round(last)
    older = scores[:-1]
    return ruby_round(last * p.latest_w + (fsum(older) / len(older)) * p.older_w)


def decay_chain(scores: list, rate_w: float, remaining_w: float) -> list:
    """docs/behaviour.md §1.4: d after each score from the second on (one score: itself)."""
    if len(scores) == 1:
        return [scores[0]]
    it = iter(scores)
    d = next(it) * remaining_w + next(it) * rate_w
    chain = [d]
    for s in it:
        d = d * remaining_w + s * rate_w
        chain.append(d)
    return chain


def standard_decaying_average(scores: list, p: Params) -> float:
    """docs/behaviour.md §1.4: d = d x (100 - r)/100 + s x r/100 over time, rounded at the end only."""
    if len(scores) == 1:
        return ruby_round(scores[0])
    rate_w, remaining_w = p.latest_w, p.older_w
    it = iter(scores)
    d = next(it) * remaining_w + next(it) * rate_w
    for s in it:
        d = d * remaining_w + s * rate_w
    return ruby_round(d)


def n_mastery(scores: list, p: Params) -> float | None:
    """docs/behaviour.md §1.5: mean of all scores >= mastery when at least n results and n of them qualify."""
    n, mastery_points = p.n, p.mastery_points
    if len(scores) < n or mastery_points is None:
        return None  # a null mastery threshold cannot be met (Canvas would fail)
    kept = [s for s in scores if s >= mastery_points]
    if not kept or len(kept) < n:
        return None
    return ruby_round(fsum(kept) / len(kept))


def recent_average(scores: list, p: Params) -> float:
    """docs/methods.md §3.1: the mean of the N most recent scores (all of them when fewer)."""
    recent = scores[-p.n:]
    return ruby_round(fsum(recent) / len(recent))


def median_of(values: list) -> float:
    """The middle value, or the mean of the two middle values of an even count."""
    ordered = sorted(values)
    k = len(ordered)
    return (ordered[(k - 1) // 2] + ordered[k // 2]) / 2.0


def recent_median(scores: list, p: Params) -> float:
    """docs/methods.md §3.2: the median of the N most recent scores (all of them when fewer)."""
    return ruby_round(median_of(scores[-p.n:]))


def top_indexes(scores: list, n: int) -> list:
    """Indexes of the n highest scores; among equal scores the earlier result first (docs/methods.md §3.3)."""
    return sorted(range(len(scores)), key=lambda i: -scores[i])[:n]


def highest_average(scores: list, p: Params) -> float:
    """docs/methods.md §3.3: the mean of the N highest scores (all of them when fewer)."""
    top = sorted(scores, reverse=True)[:p.n]
    return ruby_round(fsum(top) / len(top))


def level_of(score: float, levels) -> float:
    """docs/methods.md §2.1: the points of the highest rating at or below the score (the lowest rating for a
    score below all of them); the score itself without ratings."""
    for points in levels:
        if points <= score:
            return points
    return levels[-1] if levels else score


def mode_level(scores: list, p: Params) -> tuple[float | None, Counter]:
    """docs/methods.md §2: the most frequent rating level with its tie rule, and the count of every level."""
    levels = [level_of(s, p.levels) for s in scores]
    counts = Counter(levels)
    top = max(counts.values())
    tied = [v for v, c in counts.items() if c == top]
    if len(tied) == 1:
        return tied[0], counts
    rule = p.tie_break
    if rule == "lower":
        return min(tied), counts
    if rule == "most_recent":
        last = {v: i for i, v in enumerate(levels)}
        return max(tied, key=last.__getitem__), counts
    if rule == "none":
        return None, counts
    return max(tied), counts  # higher, the default


def mode(scores: list, p: Params) -> float | None:
    """docs/methods.md §2: the most frequent rating level's points, rounded; null on a tie under NONE."""
    value = mode_level(scores, p)[0]
    return None if value is None else ruby_round(value)


_LN = tuple(log(x) if x else 0.0 for x in range(256))  # ln of the ordinals most students reach, computed once


def power_law_fit(scores: list) -> tuple[list, float | None, float | None, float | None]:
    """docs/methods.md §1: (ordinals fitted, a, b, fitted value at x = n) of y = a x^b by least squares on
    (ln x, ln y); zeros (scores <= 0) are left out of the fit and keep their ordinal. One point fitted: a is
    its score, b is 0. No point: all None."""
    xs = [i for i, s in enumerate(scores, 1) if s > 0]
    if not xs:
        return xs, None, None, None
    n = len(scores)
    if len(xs) == 1:
        return xs, scores[xs[0] - 1], 0.0, scores[xs[0] - 1]
    lx = [_LN[x] if x < 256 else log(x) for x in xs]
    ly = [log(scores[x - 1]) for x in xs]
    k = len(xs)
    sx, sy = fsum(lx), fsum(ly)
    sxx = fsum(v * v for v in lx)
    sxy = fsum(u * v for u, v in zip(lx, ly))
    b = (k * sxy - sx * sy) / (k * sxx - sx * sx)
    a = exp((sy - b * sx) / k)
    return xs, a, b, a * n ** b


def clamp(value: float, p: Params) -> float:
    """docs/methods.md §1.3: into the scale's range, when it is known."""
    if p.high is not None and value > p.high:
        return p.high
    if p.low is not None and value < p.low:
        return p.low
    return value


def power_law(scores: list, p: Params) -> float:
    """docs/methods.md §1: the fitted power curve at the latest assessment, clamped to the scale, rounded;
    no score above zero gives 0 (clamped)."""
    fitted = power_law_fit(scores)[3]
    return ruby_round(clamp(0.0 if fitted is None else fitted, p))
