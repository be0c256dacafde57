"""Every explanation recomputes its score exactly from what it states (docs/methods.md §6), for every method,
and states the research's worked numbers (docs/methods.md §1.4)."""

from __future__ import annotations

from collections import Counter
from math import exp, fsum, log

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outcome_graph.rollups import METHODS, explain, resolve_scoring, rollup, ruby_round
from outcome_graph.rollups.registry import method_named
from tests.unit.test_rollup_properties import result_lists

RATINGS = [{"description": f"L{p}", "points": float(p)} for p in (5, 4, 3, 2, 1, 0)]


def recompute(e) -> float | None:
    """The score from the explanation alone: its parameters, its inputs' scores, order, levels and ordinals."""
    p = e.parameters
    if e.null_reason is not None:
        return None
    counted = [i for i in e.inputs if i.counted]
    scored = [i for i in e.inputs if i.score is not None]
    m = e.method
    fitted_zeros = m == "power_law" and any(i.ordinal is not None for i in e.inputs)
    if not counted and not fitted_zeros:  # the power law leaves zeros out of its fit: only zeros give 0
        return None
    vals = [i.score for i in counted]
    if m in ("average", "recent_average", "highest_average", "n_mastery"):
        if m == "n_mastery":
            assert len(vals) >= p["calculation_int"] and min(vals) >= p["mastery_points"]
        if m == "recent_average":
            assert counted == scored[-p["calculation_int"]:]
        if m == "highest_average":
            assert sorted(vals, reverse=True) == sorted((i.score for i in scored), reverse=True)[:len(vals)]
        value = fsum(vals) / len(vals)
    elif m in ("decaying_average", "weighted_average"):
        w, o = 0.01 * p["calculation_int"], 0.01 * (100 - p["calculation_int"])
        value = vals[0] if len(vals) == 1 else vals[-1] * w + (fsum(vals[:-1]) / (len(vals) - 1)) * o
    elif m == "standard_decaying_average":
        r, o = 0.01 * p["calculation_int"], 0.01 * (100 - p["calculation_int"])
        value = vals[0]
        if len(vals) > 1:
            value = vals[0] * o + vals[1] * r
            for s in vals[2:]:
                value = value * o + s * r
    elif m == "latest":
        assert counted == scored[-1:]
        value = vals[0]
    elif m == "highest":
        assert len(vals) == 1 and vals[0] == max(i.score for i in scored)
        value = vals[0]
    elif m == "recent_median":
        ordered = sorted(vals)
        value = (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2.0
    elif m == "mode":
        counts = Counter(i.level for i in counted)
        top = max(counts.values())
        tied = [v for v in counts if counts[v] == top]
        rule = p["tie_break"]
        if len(tied) > 1 and rule == "lower":
            value = min(tied)
        elif len(tied) > 1 and rule == "most_recent":
            value = max(tied, key=lambda v: max(k for k, i in enumerate(counted) if i.level == v))
        else:
            value = max(tied)
    elif m == "power_law":
        points = [(i.ordinal, i.score) for i in counted]
        n = max(i.ordinal for i in e.inputs if i.ordinal is not None)
        if not points:
            value = 0.0
        elif len(points) == 1:
            value = points[0][1]
        else:
            lx, ly = [log(x) for x, _ in points], [log(y) for _, y in points]
            k, sx, sy = len(points), fsum(lx), fsum(ly)
            b = (k * fsum(u * v for u, v in zip(lx, ly)) - sx * sy) / (k * fsum(u * u for u in lx) - sx * sx)
            value = exp((sy - b * sx) / k) * n ** b
        if p["high"] is not None:
            value = min(max(value, p["low"]), p["high"])
    else:
        raise AssertionError(f"no recomputation for {m}")
    assert value == e.value_before_rounding
    return ruby_round(value)


def scoring(method: str, n: int | None, tie: str | None, minimum: int | None, pp=5.0, mp=3.0):
    entry = method_named(method)
    calc_int = None if entry.int_range is None else max(entry.int_range[0], min(n, entry.int_range[1]))
    return resolve_scoring(method=method, calc_int=calc_int, tie_break=tie if entry.tie_break else None,
                           minimum_evidence=minimum, points_possible=pp, mastery_points=mp, ratings=RATINGS)


@settings(max_examples=400, deadline=None)
@given(result_lists(), st.sampled_from(METHODS), st.integers(1, 12),
       st.sampled_from(["higher", "lower", "most_recent", "none"]), st.sampled_from([None, 2, 4]),
       st.sets(st.integers(0, 11), max_size=3))
def test_the_explanation_recomputes_the_score_exactly(results, method, n, tie, minimum, hidden):
    sc = scoring(method, n, tie, minimum)
    excluded = {results[i][0]: "hidden" for i in hidden if i < len(results)}
    e = explain(results, sc, excluded)
    counted_rows = [r for r in results if r[0] not in excluded]
    expected = rollup(counted_rows, sc) if counted_rows else None
    assert e.score == (None if expected is None else expected.score)
    assert recompute(e) == e.score
    assert [i.result_id for i in e.inputs] == [r[0] for r in sorted(results, key=lambda r: (r[4], r[0]))]
    assert all(i.reason == "hidden" for i in e.inputs if i.result_id in excluded)
    assert all(not i.counted or i.reason is None for i in e.inputs)


def raw(*scores):
    return [(i + 1, float(s), None, None, 1_700_000_000 + i * 86_400, None, False, "S, I", False, 1)
            for i, s in enumerate(scores)]


def test_power_law_explanation_states_the_research_fit():
    """docs/methods.md §1.4, JumpRope's student 2: b = 0.8484, a = 1.1280, fitted 3.66 at x = 4."""
    e = explain(raw(1, 3, 2, 4), resolve_scoring(method="power_law", calc_int=None, points_possible=None,
                                                 mastery_points=None, ratings=RATINGS[1:]))
    steps = {s.name: s.value for s in e.steps}
    assert (round(steps["b"], 4), round(steps["a"], 4), round(steps["fitted"], 4)) == (0.8484, 1.128, 3.6567)
    assert [i.ordinal for i in e.inputs] == [1, 2, 3, 4] and e.score == 3.66 and e.clamped_from is None


def test_power_law_explanation_shows_clamping_and_zeros():
    e = explain(raw(2, 0, 3, 4, 4), resolve_scoring(method="power_law", calc_int=None, points_possible=None,
                                                    mastery_points=None, ratings=RATINGS[1:]))
    assert [i.reason for i in e.inputs] == [None, "zero_in_power_law", None, None, None]
    assert e.clamped_from > 4.0 and e.value_before_rounding == 4.0 and e.score == 4.0


def test_decay_chain_is_the_research_number():
    """docs/methods.md (the research): 1, 2, 3, 4 at a 65 % decay gives 3.484625 before rounding, 3.48."""
    e = explain(raw(1, 2, 3, 4), resolve_scoring(method="standard_decaying_average", calc_int=65,
                                                 points_possible=None, mastery_points=None))
    assert [round(s.value, 6) for s in e.steps] == [1.65, 2.5275, 3.484625]
    assert e.score == 3.48
    assert [round(i.weight, 4) for i in e.inputs] == [0.0429, 0.0796, 0.2275, 0.65]


def test_canvas_examples_explained():
    """Canvas's example scores: the weighted formula at 65 gives 5.0308 (5.03); n_mastery n = 5 at mastery 3
    keeps ten scores averaging 4.2."""
    scores = (1, 4, 2, 3, 5, 3, 6, 1, 4, 2, 3, 5, 3, 6)
    weighted = explain(raw(*scores), resolve_scoring(method="weighted_average", calc_int=65, points_possible=None,
                                                     mastery_points=None))
    assert round(weighted.value_before_rounding, 4) == 5.0308 and weighted.score == 5.03
    n = explain(raw(*scores), resolve_scoring(method="n_mastery", calc_int=5, points_possible=None,
                                              mastery_points=3.0))
    assert sum(i.counted for i in n.inputs) == 10 and n.score == 4.2
    assert {i.reason for i in n.inputs if not i.counted} == {"below_mastery"}


@pytest.mark.parametrize(("tie", "score", "reason"), [("higher", 3.0, None), ("none", None, "tie")])
def test_mode_explanation_counts_levels(tie, score, reason):
    e = explain(raw(1, 2, 2, 3, 3), resolve_scoring(method="mode", calc_int=None, tie_break=tie,
                                                    points_possible=None, mastery_points=None, ratings=RATINGS))
    assert (e.score, e.null_reason) == (score, reason)
    assert [(s.name, s.value) for s in e.steps][:3] == [("level 3.0", 2.0), ("level 2.0", 2.0), ("level 1.0", 1.0)]


def test_minimum_evidence_is_the_null_reason():
    e = explain(raw(3, 4), resolve_scoring(method="latest", calc_int=None, minimum_evidence=3,
                                           points_possible=None, mastery_points=None))
    assert (e.score, e.null_reason) == (None, "insufficient_evidence")
    assert not any(i.counted for i in e.inputs)
