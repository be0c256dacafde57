"""How one student's rollup score was computed, from the same results and scoring as the score itself
(docs/methods.md §6): every candidate result in the order used, what it weighed or why it did not count, the
method's intermediate steps, the value before rounding and the rounding applied."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .engine import params, prepare, score_group
from .registry import method_named
from .score import IS_QUIZ, PERCENT, RESULT_ID, SCORE, TIME, TIMESTAMP
from .scoring import Scoring, pool_quizzes, scale_factor, scaled_scores
from .validation import check_method
from .working import INSUFFICIENT_EVIDENCE, NO_SCORE, POOLED_QUIZ, Explanation, ExplainedResult


def explain(results: Sequence[tuple], scoring: Scoring, excluded: Mapping[int, str] | None = None) -> Explanation:
    """The working of rollup(counted results, scoring), `results` being every candidate (ResultTuple rows) and
    `excluded` the ids of those that may not count with the reason (hidden, outside a window)."""
    excluded = excluded or {}
    rows = sorted(((0, 0, *r) for r in results), key=lambda r: (r[TIME], r[RESULT_ID]))
    entry = method_named(check_method(scoring.method))
    p = params(scoring)
    factor = scale_factor(scoring)
    e = Explanation(scoring.method, {
        "calculation_int": scoring.calc_int, "tie_break": scoring.tie_break,
        "minimum_evidence": scoring.minimum_evidence, "mastery_points": scoring.mastery_points,
        "scale_factor": factor, "low": p.low, "high": p.high}, [])
    by_id = {}
    for r in rows:
        item = ExplainedResult(r[RESULT_ID], r[TIME], r[TIMESTAMP], r[SCORE])
        e.inputs.append(item)
        by_id[r[RESULT_ID]] = item
        if r[RESULT_ID] in excluded:
            item.reason = excluded[r[RESULT_ID]]
        elif r[SCORE] is None:
            item.reason = NO_SCORE  # docs/behaviour.md §1.2 item 2
    g = [r for r in rows if by_id[r[RESULT_ID]].reason is None]
    if not g:
        return e
    kp = prepare(scoring)
    count = len(g)  # docs/behaviour.md §1.2 item 8
    e.score = score_group(g, kp).score  # the score itself, from the kernel
    vals = scaled_scores([r[SCORE] for r in g], [r[PERCENT] for r in g], factor)
    if kp[4] and any(r[IS_QUIZ] for r in g):  # docs/behaviour.md §1.2 item 4: quiz pooling
        pooled = pool_quizzes(g, vals, factor)
        for r, v in zip(g, pooled):
            if r[IS_QUIZ]:
                by_id[r[RESULT_ID]].pooled = True
        keep = [v is not None for v in pooled]
        for r, k in zip(g, keep):
            if not k:
                by_id[r[RESULT_ID]].reason = POOLED_QUIZ
        g = [r for r, k in zip(g, keep) if k]
        vals = [v for v in pooled if v is not None]
    used = [by_id[r[RESULT_ID]] for r in g]
    for item, v in zip(used, vals):
        item.score = v
    if count < (scoring.minimum_evidence or 0):  # docs/methods.md §5
        e.null_reason = INSUFFICIENT_EVIDENCE
        for item in used:
            item.reason = INSUFFICIENT_EVIDENCE
        return e
    if not vals:
        return e
    entry.working(e, used, vals, p)
    return e


