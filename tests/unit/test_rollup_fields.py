"""Rollup fields beyond the score: count, title, submitted_at, hide_points, ties (docs/behaviour.md §1.2, §1.7)."""

import pytest

from outcome_graph.rollups import RollupScore, Scoring, aggregate, resolve_scoring, rollup, rollup_stream

T = 1_700_000_000


def res(rid, score, time=0, *, percent=None, possible=None, hide=False, title="Ann, Essay",
        quiz=False, assoc=1):
    """A result tuple; its timestamp stands in for the submitted_or_assessed_at value."""
    return (rid, score, percent, possible, time, f"at{time}" if time else None, hide, title, quiz, assoc)


def sc(method, calc_int=None, pp=5.0, mp=3.0):
    return resolve_scoring(method=method, calc_int=calc_int, points_possible=pp, mastery_points=mp)


def test_title_and_submitted_at_come_from_the_latest_result_first_on_ties():
    got = rollup([res(3, 1.0, T + 5, title="Ann, Quiz 3"), res(1, 2.0, T + 9, title="Ann, Essay 1"),
                  res(2, 3.0, T + 9, title="Ann, Essay 2")], sc("highest"))
    assert got == RollupScore(3.0, 3, "Essay 1", f"at{T + 9}", False)


@pytest.mark.parametrize(("title", "expected"), [
    ("Ann, Essay", "Essay"), ("Ann, Essay, part 2", "Essay"), ("Ann", None), ("Ann, ", None),
    ("Ann, , part", ""), (None, None),
])
def test_title_is_the_second_comma_field_like_ruby_split(title, expected):
    assert rollup([res(1, 1.0, T, title=title)], sc("latest")).title == expected


def test_no_timestamp_means_no_title():
    assert rollup([res(1, 1.0, 0)], sc("latest")) == RollupScore(1.0, 1, None, None, False)


def test_latest_ties_go_to_the_later_result_id():
    """docs/behaviour.md §1.6, §11.2: latest takes the last of tied results, title the first."""
    got = rollup([res(2, 4.0, T, title="A, two"), res(1, 1.0, T, title="A, one")], sc("latest"))
    assert (got.score, got.title) == (4.0, "one")


@pytest.mark.parametrize(("method", "hides", "expected"), [
    ("highest", (True, True), True),  # RA spec: every result hides points
    ("highest", (True, False), False),  # RA spec: the chosen 5.0 does not
    ("highest", (False, True), True),  # only the chosen result counts
    ("latest", (True, False), False),
    ("latest", (False, True), True),
    ("average", (True, True), True),
    ("average", (True, False), False),
    ("decaying_average", (False, True), False),
    ("standard_decaying_average", (True, True), True),
])
def test_hide_points_follows_the_chosen_set(method, hides, expected):
    rows = [res(1, 4.0, T, hide=hides[0]), res(2, 5.0, T + 1, hide=hides[1])]
    assert rollup(rows, sc(method)).hide_points is expected


def test_highest_ties_choose_the_lowest_result_id_for_hide_points():
    rows = [res(2, 5.0, T, hide=True), res(1, 5.0, T + 1, hide=False), res(3, 1.0, T + 2, hide=True)]
    assert rollup(rows, sc("highest")).hide_points is False


def test_n_mastery_hide_points_looks_at_the_mastery_results_only():
    rows = [res(1, 4.0, T, hide=True), res(2, 1.0, T + 1, hide=False), res(3, 3.0, T + 2, hide=True)]
    assert rollup(rows, sc("n_mastery", 2)) == RollupScore(3.5, 3, "Essay", f"at{T + 2}", True)
    assert rollup(rows, sc("n_mastery", 3)).hide_points is False  # no score: not set


def test_null_scores_are_dropped_before_counting_and_dating():
    rows = [res(1, 2.0, T), res(2, None, T + 9, title="Ann, Late")]
    assert rollup(rows, sc("latest")) == RollupScore(2.0, 1, "Essay", f"at{T}", False)


def test_mixed_percents_scale_only_the_results_that_have_one():
    rows = [res(1, 2.0, T), res(2, 9.0, T + 1, percent=0.5, possible=18.0)]
    assert rollup(rows, sc("average", pp=4.0)).score == 2.0  # mean of 2.0 and 0.5 x 4


def test_scoring_with_int_points_and_no_scale_at_all():
    rows = [res(1, 7.0, T, percent=0.5)]
    assert rollup(rows, Scoring("highest", None, 4, 3)).score == 2.0
    assert rollup(rows, Scoring("highest", None, None, None)).score == 7.0  # raw score kept


def test_quiz_pooling_is_per_association_and_skips_null_possible():
    rows = [res(1, 1.0, T, percent=0.2, possible=1.0, quiz=True, assoc=7),
            res(2, 1.0, T + 1, percent=0.6, possible=3.0, quiz=True, assoc=8),
            res(5, 1.0, T + 4, percent=0.4, possible=1.0, quiz=True, assoc=8),
            res(3, 1.0, T + 2, percent=0.9, possible=None, quiz=True, assoc=7),
            res(4, 1.0, T + 3, percent=1.0, possible=1.0, quiz=False, assoc=7)]
    # association 7: 0.2 -> 1.0 (the null-possible result gets the pool too);
    # association 8: (3 x 0.6 + 1 x 0.4) / 4 = 0.55 -> 2.75 twice; the non-quiz 1.0 x 5 = 5.0
    # mean (1.0 + 1.0 + 2.75 + 2.75 + 5.0) / 5 = 2.5
    assert rollup(rows, sc("average")).score == 2.5
    assert rollup(rows, sc("highest")).score == 5.0  # no pooling for highest (docs/behaviour.md §1.2 item 4)


def test_a_quiz_whose_pool_is_empty_is_left_out():
    rows = [res(1, 1.0, T, percent=0.9, possible=None, quiz=True, assoc=1), res(2, 2.0, T + 1)]
    assert rollup(rows, sc("average")) == RollupScore(2.0, 2, "Essay", f"at{T + 1}", False)
    assert rollup(rows[:1], sc("average")).score is None


def test_stream_splits_one_outcome_run_across_users_and_skips_null_pairs():
    rows = [(1, 5, *res(1, 2.0, T)), (2, 5, *res(2, 4.0, T)), (2, 6, *res(3, None, T)),
            (3, 6, *res(4, 1.0, T))]
    got = [(u, o, s.score, s.count) for u, o, s in rollup_stream(rows, {5: sc("highest"), 6: sc("latest")})]
    assert got == [(1, 5, 2.0, 1), (2, 5, 4.0, 1), (3, 6, 1.0, 1)]


def test_stream_of_nothing_yields_nothing():
    assert list(rollup_stream([], {})) == []


def test_rollup_of_nothing_is_none():
    assert rollup([], sc("highest")) is None


def test_aggregate_of_nothing_and_bad_stat():
    assert aggregate([]) == RollupScore(None, 0, None, None, False)
    with pytest.raises(ValueError, match="invalid aggregate_stat parameter value"):
        aggregate([], "mode")


def test_aggregate_hide_points_needs_every_student():
    scores = [RollupScore(1.25, 1, None, None, True), RollupScore(1.5, 2, None, None, True)]
    assert aggregate(scores, "median") == RollupScore(1.375, 2, None, None, True)
    scores.append(RollupScore(None, 1, None, None, False))
    assert aggregate(scores) == RollupScore(1.38, 3, None, None, False)
