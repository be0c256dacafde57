"""Each method's working for an explanation (docs/methods.md §6): which results counted with what weight, why
the others did not, and the intermediate steps; the registry (rollups/registry.py) names one per method."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import fsum

from . import methods

ROUNDING = "half away from zero to 2 decimals, as Ruby's Float#round (docs/behaviour.md §11.1)"

# Why a candidate result did not count (docs/methods.md §6).
HIDDEN, NO_SCORE, POOLED_QUIZ, SUPERSEDED = "hidden", "no_score", "pooled_quiz", "superseded"
NOT_HIGHEST, BELOW_MASTERY, ZERO_IN_POWER_LAW = "not_highest", "below_mastery", "zero_in_power_law"
OUTSIDE_WINDOW, INSUFFICIENT_EVIDENCE = "outside_window", "insufficient_evidence"
# Why a score is null.
NOT_ENOUGH_MASTERY, TIE = "not_enough_mastery", "tie"
EXCLUSION_REASONS = (HIDDEN, NO_SCORE, POOLED_QUIZ, SUPERSEDED, NOT_HIGHEST, BELOW_MASTERY, NOT_ENOUGH_MASTERY,
                     ZERO_IN_POWER_LAW, OUTSIDE_WINDOW, INSUFFICIENT_EVIDENCE)
NULL_REASONS = (INSUFFICIENT_EVIDENCE, NOT_ENOUGH_MASTERY, TIE)


@dataclass(slots=True)
class ExplainedResult:
    """One candidate result: its place in the order used and its part in the score."""

    result_id: int
    time: int  # whole epoch seconds that ordered it (0: no time, the oldest)
    at: object | None  # submitted_at, else assessed_at
    raw_score: float | None  # the result's own score
    score: float | None = None  # on the outcome's scale (a quiz: its pooled score) as the method used it
    pooled: bool = False  # a quiz result standing for its quiz's pooled score (docs/behaviour.md §1.2 item 4)
    counted: bool = False
    reason: str | None = None  # why it did not count
    weight: float | None = None  # its share of the score, for methods that weigh results
    ordinal: int | None = None  # power law: x
    level: float | None = None  # mode: the rating level it falls in


@dataclass(frozen=True, slots=True)
class Step:
    """An intermediate value: what it is, its value and how it was computed."""

    name: str
    value: float | None
    formula: str


@dataclass(slots=True)
class Explanation:
    """A rollup score's working, enough to recompute it exactly (docs/methods.md §6)."""

    method: str
    parameters: dict  # calculation_int, tie_break, minimum_evidence, mastery_points, scale_factor, low, high
    inputs: list[ExplainedResult]
    steps: list[Step] = field(default_factory=list)
    value_before_rounding: float | None = None
    clamped_from: float | None = None  # power law: the fitted value when clamping changed it
    score: float | None = None
    rounding: str = ROUNDING
    null_reason: str | None = None


def _f(x: float) -> str:
    """A number as the formulas show it: every digit, so the formula recomputes the value."""
    return repr(float(x))


def _count_all(used, weight=None):
    for item in used:
        item.counted = True
        item.weight = weight


def _mean(e, used, vals, label="mean"):
    _count_all(used, 1.0 / len(vals))
    value = fsum(vals) / len(vals)
    e.steps.append(Step(label, value, f"({' + '.join(map(_f, vals))}) / {len(vals)}"))
    e.value_before_rounding = value


def average(e, used, vals, p):
    _mean(e, used, vals)


def weighted(e, used, vals, p):
    if len(vals) == 1:
        _count_all(used, 1.0)
        e.value_before_rounding = vals[0]
        return
    older = vals[:-1]
    _count_all(used[:-1], p.older_w / len(older))
    used[-1].counted, used[-1].weight = True, p.latest_w
    mean_older = fsum(older) / len(older)
    e.steps.append(Step("mean of earlier", mean_older, f"({' + '.join(map(_f, older))}) / {len(older)}"))
    value = vals[-1] * p.latest_w + mean_older * p.older_w
    e.steps.append(Step("weighted", value, f"{_f(vals[-1])} × {_f(p.latest_w)} + {_f(mean_older)} × "
                                           f"{_f(p.older_w)}"))
    e.value_before_rounding = value


def decaying(e, used, vals, p):
    chain = methods.decay_chain(vals, p.latest_w, p.older_w)
    k = len(vals)
    if k == 1:
        _count_all(used, 1.0)
    else:
        for i, item in enumerate(used):
            item.counted = True
            # d_k = s1·(1-r)^(k-1) + Σ s_i·r·(1-r)^(k-i) for i >= 2
            item.weight = p.older_w ** (k - 1) if i == 0 else p.latest_w * p.older_w ** (k - 1 - i)
        previous = vals[0]
        for i, d in enumerate(chain, start=2):
            e.steps.append(Step(f"d{i}", d, f"{_f(previous)} × {_f(p.older_w)} + {_f(vals[i - 1])} × "
                                            f"{_f(p.latest_w)}"))
            previous = d
    e.value_before_rounding = chain[-1]


def n_mastery(e, used, vals, p):
    kept = []
    for item, v in zip(used, vals):
        if p.mastery_points is not None and v >= p.mastery_points:
            kept.append((item, v))
        else:
            item.reason = BELOW_MASTERY
    e.steps.append(Step("mastered", float(len(kept)), f"results at or above {p.mastery_points}; n = {p.n}"))
    if len(vals) < p.n or len(kept) < p.n or not kept:
        e.null_reason = NOT_ENOUGH_MASTERY
        for item, _ in kept:
            item.reason = NOT_ENOUGH_MASTERY
        return
    _mean(e, [i for i, _ in kept], [v for _, v in kept])


def latest(e, used, vals, p):
    for item in used[:-1]:
        item.reason = SUPERSEDED
    used[-1].counted, used[-1].weight = True, 1.0
    e.value_before_rounding = vals[-1]


def highest(e, used, vals, p):
    top = max(vals)
    chosen = min((i for i, v in enumerate(vals) if v == top), key=lambda i: used[i].result_id)
    for i, item in enumerate(used):
        if i == chosen:
            item.counted, item.weight = True, 1.0
        else:
            item.reason = NOT_HIGHEST
    e.value_before_rounding = top


def recent(e, used, vals, p, median=False):
    for item in used[:-p.n]:
        item.reason = SUPERSEDED
    recent, items = vals[-p.n:], used[-p.n:]
    if median:
        _count_all(items)
        value = methods.median_of(recent)
        e.steps.append(Step("median", value, f"median of {', '.join(map(_f, sorted(recent)))}"))
        e.value_before_rounding = value
    else:
        _mean(e, items, recent)


def highest_average(e, used, vals, p):
    top = set(methods.top_indexes(vals, p.n))
    for i, item in enumerate(used):
        if i not in top:
            item.reason = NOT_HIGHEST
    order = sorted(top)
    _mean(e, [used[i] for i in order], [vals[i] for i in order])


def mode(e, used, vals, p):
    chosen, counts = methods.mode_level(vals, p)
    for item, v in zip(used, vals):
        item.counted, item.level = True, methods.level_of(v, p.levels)
    for level, n in sorted(counts.items(), reverse=True):
        e.steps.append(Step(f"level {_f(level)}", float(n), f"{n} of {len(vals)} results at this level"))
    if chosen is None:
        e.null_reason = TIE
        return
    e.steps.append(Step("mode", chosen, f"most frequent level, ties: {p.tie_break}"))
    e.value_before_rounding = chosen


def power_law(e, used, vals, p):
    xs, a, b, fitted = methods.power_law_fit(vals)
    fit = set(xs)
    for x, item in enumerate(used, 1):
        item.ordinal = x
        if x in fit:
            item.counted = True
        else:
            item.reason = ZERO_IN_POWER_LAW
    n = len(vals)
    if fitted is None:
        e.steps.append(Step("no score above 0", 0.0, "nothing to fit: 0"))
        fitted = 0.0
    else:
        e.steps += [Step("a", a, "e^((Σ ln y − b·Σ ln x) / k)"),
                    Step("b", b, "(k·Σ ln x·ln y − Σ ln x·Σ ln y) / (k·Σ (ln x)² − (Σ ln x)²)"),
                    Step("fitted", fitted, f"a × {n}^b")]
    value = methods.clamp(fitted, p)
    if value != fitted:
        e.clamped_from = fitted
        e.steps.append(Step("clamped", value, f"into [{p.low}, {p.high}]"))
    e.value_before_rounding = value


def recent_median(e, used, vals, p):
    recent(e, used, vals, p, median=True)
