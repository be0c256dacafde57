"""docs/behaviour.md §8 worked examples for per-student rollups and aggregates, row by row."""

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from outcome_graph.rollups import (
    RollupScore, aggregate, effective_scoring, rollup, rollup_stream, ruby_round,
)

T0 = datetime(2025, 1, 31, 10, 0, tzinfo=timezone.utc)


def r(score, day=None, *, percent=None, possible=None, quiz=False, assoc=0, hide=False, title="name, o1"):
    """A result without its id: `day` is days from T0 (None = no timestamp at all)."""
    at = None if day is None else T0 + timedelta(days=day)
    time = 0 if at is None else int(at.timestamp())
    return (score, percent, possible, time, at, hide, title, quiz, assoc)


def results(*specs):
    """Result tuples in creation order: result ids follow the listed order (docs/behaviour.md §8)."""
    return [(i + 1, *spec) for i, spec in enumerate(specs)]


def scoring(method, calc_int=None, pp=5.0, mp=3.0, course_scale=None, course_method=None):
    """Default criterion: points possible 5, mastery 3 (docs/behaviour.md §8 preamble); a course scale
    (points, mastery) or method (name, int) overrides it through the one rule, effective_scoring."""
    outcome = SimpleNamespace(calculation_method=method, calculation_int=calc_int, points_possible=pp,
                              mastery_points=mp, ratings=())
    scale = None if course_scale is None else SimpleNamespace(
        points_possible=course_scale[0], mastery_points=course_scale[1], ratings=())
    chosen = None if course_method is None else SimpleNamespace(
        method=course_method[0], calculation_int=course_method[1])
    return effective_scoring(outcome, scale, chosen)


def quiz(percent, day=0, *, assoc, possible=1.0):
    """A classic-quiz result as Canvas's result_analytics_spec builds them (assessed at T0)."""
    return r(percent * 10, day, percent=percent, possible=possible, quiz=True, assoc=assoc)


ROW25 = [r(7.0, 0, percent=0.4, possible=1.0, quiz=True, assoc=1),
         r(12.0, -1, percent=0.9, possible=1.0, quiz=True, assoc=2)]
# Data of rows 27/28 (RA spec "properly aligns and weights latest score results for matches").
ROW27 = [quiz(0.6, assoc=1), quiz(0.7, assoc=1), quiz(0.4, assoc=1),
         quiz(0.5, -1, assoc=2), quiz(0.6, -1, assoc=2), quiz(0.8, -1, assoc=2)]
ROW28 = [quiz(0.6, assoc=1, possible=3.0), quiz(0.1, assoc=1, possible=5.0),
         quiz(0.4, assoc=1, possible=2.0), quiz(0.5, -1, assoc=2, possible=5.0),
         quiz(0.8, -1, assoc=2, possible=2.0), quiz(0.6, -1, assoc=2, possible=3.0)]

CASES = [
    ("1", scoring(None), [r(3.0), r(1.0)], 3.0, 2),
    ("2", scoring("latest"), [r(4.0), r(3.0, 0), r(1.0, -1)], 3.0, 3),
    ("3", scoring("n_mastery", 3), [r(3.0), r(1.0)], None, 2),
    ("4", scoring("n_mastery", 3), [r(3.0), r(1.0), r(2.0)], None, 3),
    ("5", scoring("n_mastery", 3), [r(s) for s in (4.0, 5.0, 1.0, 3.0, 2.0, 3.0)], 3.75, 6),
    ("6a", scoring("n_mastery", 1), [r(1.0), r(2.0)], None, 2),
    ("6b", scoring("n_mastery", 1), [r(1.0), r(2.0), r(3.0)], 3.0, 3),
    ("6c", scoring("n_mastery", 1), [r(1.0), r(2.0), r(3.0), r(4.0)], 3.5, 4),
    ("7", scoring("n_mastery", 3), [r(s) for s in (4.0, 5.0, 1.0, 3.0, None, 3.0)], 3.75, 5),
    ("8 weighted", scoring("weighted_average", 75), [r(3.0, 0)], 3.0, 1),
    ("8 decaying", scoring("decaying_average", 75), [r(3.0, 0)], 3.0, 1),
    ("9", scoring("weighted_average", 75), [r(4.0, 0), r(5.0, -1), r(1.0, -2), r(3.0, -3)], 3.75, 4),
    ("10", scoring("weighted_average", 65), [r(3.0, 0), r(2.0, -1)], 2.65, 2),
    ("11", scoring("weighted_average", 75), [r(4.0, 0), r(5.0, -1), r(1.0, -2), r(3.0, -3)], 3.75, 4),
    ("12", scoring("weighted_average", 65), [r(2.123)], 2.12, 1),
    ("13", scoring("n_mastery", 3), [r(3.0), r(4.0), r(3.0)], 3.33, 3),
    ("14", scoring("standard_decaying_average", 65), [r(2.0, 0), r(3.0, 1), r(4.0, 2)], 3.53, 3),
    ("15", scoring("decaying_average", 65), [r(2.0, 0), r(3.0, 1), r(4.0, 2)], 3.48, 3),
    ("16", scoring("standard_decaying_average", 65), [r(2.0), r(3.0), r(None), r(4.0)], 3.53, 3),
    ("18 standard", scoring("standard_decaying_average", 65), [r(2.0, 0), r(4.0, 1)], 3.3, 2),
    ("18 weighted", scoring("weighted_average", 65), [r(2.0, 0), r(4.0, 1)], 3.3, 2),
    ("25 weighted", scoring("weighted_average", 65), ROW25, 2.88, 2),
    ("25 decaying", scoring("decaying_average", 65), ROW25, 2.88, 2),
    ("26a", scoring("n_mastery", 3), [quiz(p, assoc=i) for i, p in enumerate((0.2, 0.5, 0.8))], None, 3),
    ("26b", scoring("n_mastery", 3), [quiz(p, assoc=i) for i, p in enumerate((0.2, 0.7, 0.8, 0.9))], 4.0, 4),
    ("30 (27)", scoring("latest", pp=5.0, mp=5.0), ROW27, 2.83, 6),
    ("30 (28)", scoring("latest", pp=5.0, mp=5.0), ROW28, 1.55, 6),
    ("31", scoring("highest", pp=5.0, mp=5.0), ROW27, 4.0, 6),
    ("32", scoring("n_mastery", 3), ROW27, 3.38, 6),
    ("36", scoring("latest", pp=0.0, mp=3.0), [quiz(0.7, assoc=1)], 2.1, 1),
]


@pytest.mark.parametrize(("row", "sc", "specs", "score", "count"), CASES, ids=[c[0] for c in CASES])
def test_rollup_worked_example(row, sc, specs, score, count):
    got = rollup(results(*specs), sc)
    assert (got.score, got.count) == (score, count)


def test_row_3_all_null_gives_no_entry():
    """docs/behaviour.md §1.2 item 2: every result null -> no score entry at all."""
    assert rollup(results(r(None, 0), r(None, -1)), scoring("latest")) is None


def test_row_17_users_with_the_same_name_via_stream():
    """Row 17: decaying_average with a null int (65), no timestamps, creation order kept."""
    sc = scoring("decaying_average", None)
    rows = [(20, 80, 1, *r(5.0)), (20, 80, 4, *r(4.0)), (30, 80, 2, *r(3.0)), (30, 80, 3, *r(2.0))]
    got = [(u, o, s.score) for u, o, s in rollup_stream(rows, {80: sc})]
    assert got == [(20, 80, 4.35), (30, 80, 2.35)]


def _per_user(method_scoring, data):
    return [rollup(results(*[r(s) for s in scores]), method_scoring) for scores in data]


def test_row_21_aggregate_mean_and_median():
    sc = scoring("highest")
    a = _per_user(sc, [(0.0, 1.0), (2.0,), (3.0,), (40.0,)])
    b = _per_user(sc, [(5.0,), (6.0,), (70.0,)])
    assert [(x.score, x.count) for x in (aggregate(a), aggregate(b))] == [(11.5, 4), (27.0, 3)]
    assert [aggregate(x, "median").score for x in (a, b)] == [2.5, 6.0]


def test_row_22_course_method_latest_overrides_the_outcome():
    sc = scoring("highest", course_method=("latest", None))
    a = _per_user(sc, [(1.0, 0.0), (2.0,), (3.0,), (40.0,)])
    b = _per_user(sc, [(5.0,), (6.0,), (70.0,)])
    assert (aggregate(a).score, aggregate(b).score) == (11.25, 27.0)


def test_row_23_n_mastery_below_mastery_aggregates_to_null():
    per_user = _per_user(scoring("n_mastery", 5), [(0.0,), (0.0,)])
    assert [(s.score, s.count) for s in per_user] == [(None, 1), (None, 1)]
    assert [(aggregate(per_user, stat).score, aggregate(per_user, stat).count)
            for stat in ("mean", "median")] == [(None, 2), (None, 2)]


def test_row_35_assignments_and_quizzes_aggregate():
    specs = [quiz(0.2, assoc=1), quiz(0.5, assoc=2), quiz(0.8, assoc=3), r(3.0), r(3.5)]
    one = rollup(results(*specs), scoring("n_mastery", 3))
    assert (one.score, aggregate([one]).score) == (3.5, 3.5)


def test_row_36_aggregate_falls_back_to_mastery_points():
    one = rollup(results(quiz(0.7, assoc=1)), scoring("latest", pp=0.0, mp=3.0))
    assert aggregate([one]) == RollupScore(2.1, 1, None, None, False)


@pytest.mark.parametrize(("course_scale", "expected"), [(None, 1.2), ((4.0, 3.0), 1.6)])
def test_rows_46_47_percent_times_points_possible(course_scale, expected):
    """Rows 46/47: a 2/5 result on a 3-point outcome; with the default 4-point scale (FF on)."""
    sc = scoring("highest", pp=3.0, mp=3.0, course_scale=course_scale)
    assert rollup(results(r(2.0, 0, percent=2.0 / 5.0, possible=5.0)), sc).score == expected


@pytest.mark.parametrize(("x", "expected"), [(3.175, 3.18), (2.175, 2.18), (2.675, 2.68), (3.475, 3.48)])
def test_derived_ruby_rounding(x, expected):
    """docs/behaviour.md §1.2 item 7, §11.1: Python's round() gives 3.17, 2.17, 2.67 here."""
    assert ruby_round(x) == expected
