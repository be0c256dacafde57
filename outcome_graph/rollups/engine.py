"""One student's rollup for one outcome: the kernel that rollup() and the stream share."""

from collections.abc import Sequence
from operator import itemgetter

from . import methods
from .score import (
    HIDE_POINTS, IS_QUIZ, PERCENT, RESULT_ID, SCORE, TIME, TIMESTAMP, TITLE,
    RollupScore, item_title,
)
from .scoring import POOLED_METHODS, Scoring, pool_quizzes, scale_factor, scaled_scores
from .validation import check_method

HIGHEST, LATEST, AVERAGE, WEIGHTED, STANDARD, N_MASTERY = range(6)
_CODES = {
    "highest": HIGHEST, "latest": LATEST, "average": AVERAGE,
    "decaying_average": WEIGHTED, "weighted_average": WEIGHTED,  # docs/behaviour.md §1.1: FF-on meaning
    "standard_decaying_average": STANDARD, "n_mastery": N_MASTERY,
}
_S, _P, _H, _Q = itemgetter(SCORE), itemgetter(PERCENT), itemgetter(HIDE_POINTS), itemgetter(IS_QUIZ)
_TIME_ORDER = itemgetter(TIME, RESULT_ID)  # docs/behaviour.md §1.2 items 5-6, §11.2

# A frozen dataclass __init__ calls object.__setattr__ per field; the kernel builds one score
# per (user, outcome), so it fills the slots through their descriptors (same object, ~2x faster).
_new = object.__new__
_set_score = RollupScore.score.__set__  # type: ignore[attr-defined]
_set_count = RollupScore.count.__set__  # type: ignore[attr-defined]
_set_title = RollupScore.title.__set__  # type: ignore[attr-defined]
_set_at = RollupScore.submitted_at.__set__  # type: ignore[attr-defined]
_set_hide = RollupScore.hide_points.__set__  # type: ignore[attr-defined]


def prepare(scoring: Scoring) -> tuple:
    """Turn a Scoring into the plain tuple the kernel reads, once per outcome."""
    code = _CODES[check_method(scoring.method)]
    factor = scale_factor(scoring)
    a = b = None
    if code == WEIGHTED or code == STANDARD:
        a, b = methods.weights(65 if scoring.calc_int is None else scoring.calc_int)
    elif code == N_MASTERY:
        a, b = 5 if scoring.calc_int is None else scoring.calc_int, scoring.mastery_points
    pooled = factor is not None and scoring.method in POOLED_METHODS
    return code, factor, a, b, pooled


def _first_top(vals: list, rows: list) -> int:
    """Index of the highest score, ties going to the lowest result id (docs/behaviour.md §11.2)."""
    top = max(vals)
    if vals.count(top) == 1:
        return vals.index(top)
    return min((j for j, v in enumerate(vals) if v == top), key=lambda j: rows[j][RESULT_ID])


def score_group(g: list, kp: tuple) -> RollupScore | None:
    """Roll up one (user, outcome) group of stream rows already sorted by (time, result id)."""
    code, factor, a, b, pooled = kp
    if None in map(_S, g):  # docs/behaviour.md §1.2 item 2: null scores are dropped before anything else
        g = [r for r in g if r[SCORE] is not None]
        if not g:
            return None
    count = len(g)  # docs/behaviour.md §1.2 item 8
    try:  # docs/behaviour.md §1.2 item 4, the common case: percent x factor for every result
        vals = [r[PERCENT] * factor for r in g]
    except TypeError:  # a null percent, or no scale at all: the general rule
        vals = scaled_scores(list(map(_S, g)), list(map(_P, g)), factor)
    rows = g
    if pooled and any(map(_Q, g)):  # docs/behaviour.md §1.2 item 4: quiz pooling
        vals = pool_quizzes(g, vals, factor)
        if None in vals:  # an empty pool cannot be scored (Canvas fails); leave it out
            rows = [r for r, v in zip(g, vals) if v is not None]
            vals = [v for v in vals if v is not None]
    score, hide = None, False
    if not vals:
        pass
    elif code == AVERAGE or code == WEIGHTED or code == STANDARD:
        if code == AVERAGE:
            score = methods.average(vals)
        elif code == WEIGHTED:
            score = methods.weighted_average(vals, a, b)
        else:
            score = methods.standard_decaying_average(vals, a, b)
        hide = all(map(_H, rows))  # docs/behaviour.md §1.7: every result of the set
    elif code == LATEST:
        score = methods.latest(vals)
        hide = bool(rows[-1][HIDE_POINTS])  # docs/behaviour.md §1.6: ties -> the later result id
    elif code == HIGHEST:
        score = methods.highest(vals)
        if any(map(_H, rows)):  # only then does the chosen result matter
            hide = bool(rows[_first_top(vals, rows)][HIDE_POINTS])
    else:
        score = methods.n_mastery(vals, a, b)
        if score is not None:  # docs/behaviour.md §1.7: the >= mastery results
            hide = all(r[HIDE_POINTS] for r, v in zip(rows, vals) if v >= b)
    # docs/behaviour.md §1.7: title/submitted_at of the latest result over all results, ties -> first.
    i = count - 1
    t = g[i][TIME]
    while i and g[i - 1][TIME] == t:
        i -= 1
    latest = g[i]
    at = latest[TIMESTAMP]
    title = None if t == 0 and at is None else item_title(latest[TITLE])
    rs = _new(RollupScore)
    _set_score(rs, score)
    _set_count(rs, count)
    _set_title(rs, title)
    _set_at(rs, at)
    _set_hide(rs, hide)
    return rs


def rollup(results: Sequence[tuple], scoring: Scoring) -> RollupScore | None:
    """One student, one outcome, results in any order; None when no result has a score."""
    rows = sorted(((0, 0, *r) for r in results), key=_TIME_ORDER)  # stable (docs/behaviour.md §1.2 item 6)
    return score_group(rows, prepare(scoring)) if rows else None
