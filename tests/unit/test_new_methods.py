"""The methods beyond Canvas reproduce the worked numbers of docs/methods.md (power law, mode, recent and
highest averages, minimum evidence), through the same engine entry point as Canvas's methods."""

import pytest

from outcome_graph.rollups import resolve_scoring, rollup, rollup_stream

BASE = 1_700_000_000
FOUR_LEVELS = [{"description": f"L{p}", "points": float(p)} for p in (4, 3, 2, 1, 0)]


def results(*scores, hide=()):
    """Raw scores (no percent), one day apart, oldest first; result ids in the same order."""
    return [(i + 1, float(s), None, None, BASE + i * 86_400, None, i in hide, "S, Item", False, 1)
            for i, s in enumerate(scores)]


def sc(method, n=None, *, tie=None, minimum=None, ratings=FOUR_LEVELS, pp=4.0, mp=3.0):
    # No points possible/mastery in effect keeps raw scores (docs/behaviour.md §1.2 item 4), so the inputs
    # are the research's numbers as they are; ratings give the mode's levels and the power law's range.
    return resolve_scoring(method=method, calc_int=n, tie_break=tie, minimum_evidence=minimum,
                           points_possible=None, mastery_points=None, ratings=ratings)


def score(method, scores, **kw):
    return rollup(results(*scores), sc(method, **kw)).score


# docs/methods.md §1.4: JumpRope's four students, the fitted value at the latest assessment (x = n)
@pytest.mark.parametrize(("scores", "expected"), [
    ((1, 2, 3, 4), 4.00), ((1, 3, 2, 4), 3.66), ((2, 4, 1, 3), 2.16), ((4, 3, 2, 1), 1.28),
])
def test_power_law_jumprope_students(scores, expected):
    assert score("power_law", scores) == expected


@pytest.mark.parametrize(("scores", "expected"), [
    ((3,), 3.0),  # one score returns itself
    ((2, 3), 3.0),  # two points: the line passes through both
    ((3, 3, 3), 3.0),  # flat: b = 0
    ((2, 2.5, 3, 4), 3.68),  # the NHA example, current value
    ((3, 2, 3, 2), 2.2),
    ((2, 3, 4, 4), 4.0),  # 4.30 fitted, clamped to the scale's top (4)
])
def test_power_law_edge_cases(scores, expected):
    assert score("power_law", scores) == expected


def test_power_law_zero_policy():
    """docs/methods.md §1.3: zeros are left out of the fit but keep their ordinal; no positive score gives 0."""
    assert score("power_law", (0, 0)) == 0.0
    assert score("power_law", (0, 3)) == 3.0  # one point fitted (x = 2): itself
    # 1, 0, 3, 4 fits x = 1, 3, 4 and reads the curve at x = 4
    assert score("power_law", (1, 0, 3, 4)) == score("power_law", (1, 0, 3, 4), ratings=FOUR_LEVELS)
    assert 3.9 < score("power_law", (1, 0, 3, 4), ratings=()) < 4.1


def test_power_law_without_a_scale_is_not_clamped():
    assert score("power_law", (2, 3, 4, 4), ratings=()) == 4.3


# docs/methods.md §2.3: the tie rules on the research's examples (R=1, NM=2, M=3)
@pytest.mark.parametrize(("scores", "higher", "lower", "recent", "none"), [
    ((1, 2, 2, 3, 3), 3.0, 2.0, 3.0, None),
    ((1, 2, 3, 3, 4), 3.0, 3.0, 3.0, 3.0),
    ((3, 3, 2, 2), 3.0, 2.0, 2.0, None),
    ((4, 4, 2, 2, 3), 4.0, 2.0, 2.0, None),
])
def test_mode_tie_rules(scores, higher, lower, recent, none):
    assert [score("mode", scores, tie=t) for t in ("higher", "lower", "most_recent", "none")] == \
        [higher, lower, recent, none]
    assert score("mode", scores) == higher  # HIGHER is the default


def test_mode_snaps_scores_to_rating_levels():
    """docs/methods.md §2.1: 3.4 and 3.9 are both level 3; below every level counts as the lowest."""
    assert score("mode", (3.4, 3.9, 4.0)) == 3.0
    assert score("mode", (-1, 0.5, 2)) == 0.0
    assert score("mode", (3.4, 3.4, 3.9), ratings=()) == 3.4  # no ratings: the scores themselves


def test_recent_median_common_goal_examples():
    """docs/methods.md §3.2: N = 9 over nine scores gives 3; seven scores (fewer than N) give 2."""
    assert score("recent_median", (4, 4, 3, 3, 3, 2, 2, 2, 1), n=9) == 3.0
    assert score("recent_median", (4, 3, 3, 2, 2, 2, 1), n=9) == 2.0
    assert score("recent_median", (1, 4, 2, 3), n=2) == 2.5


def test_recent_average_takes_the_latest_n():
    assert score("recent_average", (1, 4, 2, 3), n=3) == 3.0
    assert score("recent_average", (1, 2), n=3) == 1.5
    assert score("recent_average", (4, 3, 3, 4), n=1) == 4.0


def test_highest_average_educate_example():
    """docs/methods.md §3.3: Educate's 4, 3, 3, 4 with N = 3 gives (4 + 4 + 3) / 3 = 3.67."""
    assert score("highest_average", (4, 3, 3, 4), n=3) == 3.67
    assert score("highest_average", (2, 1), n=3) == 1.5


@pytest.mark.parametrize("method", ["highest", "latest", "average", "decaying_average", "power_law", "mode",
                                    "recent_average", "recent_median", "highest_average"])
def test_minimum_evidence_nulls_the_score_and_keeps_the_count(method):
    """docs/methods.md §5: below the minimum the score is null, the count still reported."""
    few = rollup(results(3, 4), sc(method, minimum=3))
    assert (few.score, few.count, few.hide_points) == (None, 2, False)
    assert rollup(results(3, 4, 2), sc(method, minimum=3)).score is not None


@pytest.mark.parametrize(("method", "n", "hide", "expected"), [
    ("recent_average", 2, {1, 2}, True),  # the two used hide points
    ("recent_average", 2, {0, 1}, False),
    ("highest_average", 2, {0, 2}, True),  # 4 and 4 at indexes 0 and 2
    ("highest_average", 2, {0}, False),
    ("mode", None, {0, 2}, True),  # level 4 twice, both hidden
    ("power_law", None, {0, 1, 2}, True),
    ("power_law", None, {0}, False),
])
def test_hide_points_follow_the_results_used(method, n, hide, expected):
    assert rollup(results(4, 1, 4, hide=hide), sc(method, n)).hide_points is expected


def test_stream_and_single_rollup_agree_for_new_methods():
    scorings = {o: sc(m, n) for o, (m, n) in enumerate([("power_law", None), ("mode", None),
                                                       ("recent_median", 2), ("highest_average", 2)])}
    rows = [(7, o, *r) for o in scorings for r in results(1, 3, 2, 4)]
    streamed = {o: s for _, o, s in rollup_stream(rows, scorings)}
    assert streamed == {o: rollup(results(1, 3, 2, 4), scorings[o]) for o in scorings}
