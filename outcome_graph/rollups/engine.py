"""One student's rollup for one outcome: the kernel that rollup() and the stream share."""

from collections.abc import Sequence
from operator import itemgetter

from .methods import Params, weights
from .registry import method_named
from .score import (
    IS_QUIZ, PERCENT, RESULT_ID, SCORE, TIME, TIMESTAMP, TITLE,
    RollupScore, item_title,
)
from .scoring import Scoring, pool_quizzes, scale_factor, scaled_scores
from .validation import check_method

_S, _P, _Q = itemgetter(SCORE), itemgetter(PERCENT), itemgetter(IS_QUIZ)
_TIME_ORDER = itemgetter(TIME, RESULT_ID)  # docs/behaviour.md §1.2 items 5-6, §11.2

# A frozen dataclass __init__ calls object.__setattr__ per field; the kernel builds one score
# per (user, outcome), so it fills the slots through their descriptors (same object, ~2x faster).
_new = object.__new__
_set_score = RollupScore.score.__set__  # type: ignore[attr-defined]
_set_count = RollupScore.count.__set__  # type: ignore[attr-defined]
_set_title = RollupScore.title.__set__  # type: ignore[attr-defined]
_set_at = RollupScore.submitted_at.__set__  # type: ignore[attr-defined]
_set_hide = RollupScore.hide_points.__set__  # type: ignore[attr-defined]


def params(scoring: Scoring) -> Params:
    """The method's parameters as its score function reads them (docs/methods.md)."""
    entry = method_named(check_method(scoring.method))
    n = entry.default_int if scoring.calc_int is None else scoring.calc_int
    latest_w = older_w = None
    if entry.int_meaning in ("weight", "rate"):
        latest_w, older_w = weights(n)
    levels = scoring.rating_points
    return Params(n=n, latest_w=latest_w, older_w=older_w, mastery_points=scoring.mastery_points,
                  tie_break=scoring.tie_break, levels=levels,
                  low=min(levels) if levels else None, high=max(levels) if levels else None)


def prepare(scoring: Scoring) -> tuple:
    """Turn a Scoring into the plain tuple the kernel reads, once per outcome (the registry lookup included)."""
    entry = method_named(check_method(scoring.method))
    factor = scale_factor(scoring)
    pooled = factor is not None and entry.pooled
    return entry.score, entry.hide, factor, params(scoring), pooled, scoring.minimum_evidence or 0


def score_group(g: list, kp: tuple) -> RollupScore | None:
    """Roll up one (user, outcome) group of stream rows already sorted by (time, result id)."""
    score_fn, hide_fn, factor, p, pooled, minimum = kp
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
    if vals and count >= minimum:  # docs/methods.md §5: below the minimum evidence the score is null
        score = score_fn(vals, p)
        if score is not None:  # docs/behaviour.md §1.7: the method's hide-points rule
            hide = hide_fn(rows, vals, p)
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
