"""docs/behaviour.md §8 worked examples for percents (§2.2) and ratings (§3.7, §4.4), plus their defaults."""

import pytest

from outcome_graph.rollups import (
    DEFAULT_MASTERY_SCALE, DEFAULT_RATINGS, compute_percent, rating_bucket, rating_defaults,
    rating_percents, resolve_scoring, rollup,
)

DEFAULT_POINTS = [points for _, points in DEFAULT_RATINGS]
SCALE_POINTS = [points for _, points, _, _ in DEFAULT_MASTERY_SCALE]

PERCENT_CASES = [
    # row, score, possible, points_possible, mastery_points, alignment mastery, course scale, expected
    ("39", 6.0, 10.0, 5.0, 3.0, None, False, 0.6),
    ("40", 6.0, 10.0, 5.0, 3.0, 0.7, False, 0.5143),
    ("40 integers", 6, 10, 5, 3, 0.7, False, 0.5143),
    ("40 course scale", 6.0, 10.0, 5.0, 3.0, 0.7, True, 0.5143),
    ("43", 5.0, 0.5, 5.0, 3.0, 1.0, False, 6.0),
    ("44", 5.0, 0.5, 0.0, 3.0, 1.0, False, 10.0),
    ("45 mastery 0", 6.0, 10.0, 5.0, 0.0, 0.7, False, 0.6),
    ("45 points 0", 6.0, 10.0, 0.0, 3.0, 0.7, False, 0.6),
    ("45 points null", 6.0, 10.0, None, 3.0, 0.7, False, 0.6),
    # docs/behaviour.md §2.2 "net effect" with M_o 0.6 and M_a 0.7
    ("2.2 60%", 6.0, 10.0, 5.0, 3.0, 0.7, False, 0.5143),
    ("2.2 70%", 7.0, 10.0, 5.0, 3.0, 0.7, False, 0.6),
    ("2.2 80%", 8.0, 10.0, 5.0, 3.0, 0.7, False, 0.7333),
    ("2.2 100%", 10.0, 10.0, 5.0, 3.0, 0.7, False, 1.0),
    # docs/behaviour.md §2.2 fallbacks when possible is null or 0
    ("2.2 by outcome mastery", 2.0, None, 5.0, 4.0, None, False, 0.5),
    ("2.2 by scale points", 2.0, 0.0, 4.0, 3.0, None, True, 0.5),
    ("2.2 nothing to divide by", 2.0, None, 5.0, 0.0, None, False, None),
    ("2.2 no score", None, 10.0, 5.0, 3.0, None, False, None),
    ("2.2 scaled, possible 0", 2.0, 0.0, 5.0, 3.0, 0.7, False, None),
]


@pytest.mark.parametrize(("row", "score", "possible", "pp", "mp", "m_a", "course", "expected"),
                         PERCENT_CASES, ids=[c[0] for c in PERCENT_CASES])
def test_compute_percent(row, score, possible, pp, mp, m_a, course, expected):
    got = compute_percent(score, possible, points_possible=pp, mastery_points=mp,
                          alignment_mastery=m_a, course_scale=course)
    assert got == expected


def test_row_37_rating_percents_of_rollups():
    sc = resolve_scoring(method=None, calc_int=None, points_possible=5.0, mastery_points=3.0)
    rollups = [rollup([(1, 4.0, None, None, 0, None, False, None, False, 1)], sc),
               rollup([(2, 5.0, None, None, 0, None, False, None, False, 1),
                       (3, 3.0, None, None, 0, None, False, None, False, 1)], sc)]
    # user30 has no results, hence no rollup score at all
    assert rating_percents([s.score for s in rollups], DEFAULT_POINTS) == [50, 50, 0]


def test_row_38_rating_percents_scale_versus_criterion():
    scores = [4.0, 5.0, 2.0]
    assert rating_percents(scores, SCALE_POINTS) == [67, 0, 33, 0, 0]
    assert rating_percents(scores, DEFAULT_POINTS) == [33, 33, 33]


def test_row_49_add_defaults_two_ratings():
    assert rating_defaults([3.0, 0.0], 3.0) == [(True, "03893D"), (False, "555555")]


def test_row_50_rating_percents_two_ratings():
    assert rating_percents([3.0, 1.0], [3.0, 0.0]) == [50, 50]


def test_rating_percents_ignore_nulls_and_scores_below_every_rating():
    assert rating_percents([None, 0.5, 2.0], [3.0, 1.0]) == [0, 100]
    assert rating_percents([None, 0.5], [3.0, 1.0]) == [0, 0]


@pytest.mark.parametrize(("score", "expected"),
                         [(5.0, 0), (4.99, 1), (3.0, 1), (0.0, 2), (-1.0, None), (None, None)])
def test_rating_bucket_is_first_rating_at_or_below(score, expected):
    assert rating_bucket(score, DEFAULT_POINTS) == expected


DEFAULTS_CASES = [
    # docs/behaviour.md §3.7: (points, mastery points) -> (mastery index, colours or None)
    ([5.0], 5.0, 0, ["03893D"]),
    ([5.0, 3.0, 0.0], 3.0, 1, ["2B7ABC", "03893D", "555555"]),
    ([5.0, 3.0, 0.0], 4.0, 0, ["03893D", "FAB901", "555555"]),
    ([4.0, 3.0, 2.0, 0.0], 3.0, 1, ["2B7ABC", "03893D", "FAB901", "555555"]),
    ([4.0, 3.0, 2.0, 0.0], 4.0, 0, ["03893D", "FAB901", "E62429", "555555"]),
    ([4.0, 3.0, 2.0, 0.0], 2.0, 2, [None] * 4),
    ([4.0, 3.0, 2.0, 1.0, 0.0], 3.0, 1, ["2B7ABC", "03893D", "FAB901", "E62429", "555555"]),
    ([4.0, 3.0, 2.0, 1.0, 0.0], 9.0, 1, ["2B7ABC", "03893D", "FAB901", "E62429", "555555"]),
    ([4.0, 3.0, 2.0, 1.0, 0.0], 2.0, 2, [None] * 5),
    ([5.0, 4.0, 3.0, 2.0, 1.0, 0.0], 4.0, 1,
     ["2B7ABC", "03893D", "FAB901", "D97900", "E62429", "555555"]),
    ([6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0], 5.0, 1, [None] * 7),
    ([], 3.0, None, []),
]


@pytest.mark.parametrize(("points", "mastery", "index", "colours"), DEFAULTS_CASES)
def test_rating_defaults(points, mastery, index, colours):
    got = rating_defaults(points, mastery)
    assert [flag for flag, _ in got] == [i == index for i in range(len(points))]
    assert [colour for _, colour in got] == colours


def test_default_criterion_and_scale():
    """docs/behaviour.md §4.1 and §4.2."""
    assert DEFAULT_RATINGS == (("Exceeds Expectations", 5.0), ("Meets Expectations", 3.0),
                               ("Does Not Meet Expectations", 0.0))
    assert [(p, m) for _, p, m, _ in DEFAULT_MASTERY_SCALE] == [
        (4.0, False), (3.0, True), (2.0, False), (1.0, False), (0.0, False)]
    assert [c for *_, c in DEFAULT_MASTERY_SCALE] == ["0374B5", "0B874B", "FAB901", "D97900", "E0061F"]
