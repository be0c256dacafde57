"""Properties of the rollup engine that hold for any results (docs/behaviour.md §1), checked with hypothesis."""

import random
from math import fsum, isnan

from hypothesis import given, settings
from hypothesis import strategies as st

from outcome_graph.rollups import METHODS, resolve_scoring, rollup, rollup_stream

BASE = 1_700_000_000
DAY = 86_400

scores = st.integers(0, 500).map(lambda k: k / 100)  # 0.00 .. 5.00
percents = st.one_of(st.none(), st.integers(0, 120).map(lambda k: k / 100))


@st.composite
def result_lists(draw, *, quizzes=True, min_size=1, max_size=12, nulls=True):
    """Result tuples with unique ids, tied times now and then, optional quiz pooling."""
    n = draw(st.integers(min_size, max_size))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    out = []
    for rid in ids:
        score = draw(st.one_of(st.none(), scores) if nulls else scores)
        day = draw(st.one_of(st.none(), st.integers(0, 6)))
        time = 0 if day is None else BASE + day * DAY
        quiz = quizzes and draw(st.booleans())
        out.append((rid, score, draw(percents), draw(st.sampled_from([None, 1.0, 2.0])), time,
                    None if day is None else time, draw(st.booleans()), "Student, Item", quiz,
                    draw(st.integers(1, 3))))
    return out


def scoring_for(method, calc_int=None, pp=5.0, mp=3.0):
    return resolve_scoring(method=method, calc_int=calc_int, points_possible=pp, mastery_points=mp)


settings_ = settings(max_examples=150, deadline=None)


@settings_
@given(result_lists(), st.sampled_from(METHODS), st.randoms(use_true_random=False))
def test_input_order_never_matters(results, method, rnd):
    """The engine sorts stably by (time, result id) itself (docs/behaviour.md §1.2 items 5-6, §11.2)."""
    shuffled = list(results)
    rnd.shuffle(shuffled)
    sc = scoring_for(method)
    assert rollup(shuffled, sc) == rollup(results, sc)


@settings_
@given(result_lists(), st.sampled_from(["highest", "average", "n_mastery"]), st.integers(1, 4),
       st.randoms(use_true_random=False))
def test_highest_average_n_mastery_ignore_chronology(results, method, n, rnd):
    """docs/behaviour.md §1.5, §1.6: these methods do not depend on when results happened."""
    times = [row[4] for row in results]
    rnd.shuffle(times)
    moved = [(*row[:4], t, t or None, *row[6:]) for row, t in zip(results, times)]
    sc = scoring_for(method, n if method == "n_mastery" else None)
    before, after = rollup(results, sc), rollup(moved, sc)
    assert (before is None) == (after is None)
    if before is not None:
        assert (after.score, after.count) == (before.score, before.count)


@settings_
@given(result_lists(quizzes=False, nulls=False),
       st.sampled_from(["highest", "latest", "average", "decaying_average", "weighted_average",
                        "standard_decaying_average"]),
       st.integers(50, 99), st.sampled_from([(5.0, 3.0), (4.0, 3.0), (0.0, 3.0)]))
def test_score_lies_within_the_scaled_inputs(results, method, k, scale):
    """Every one of these methods is a weighted mean or a pick of per-result scores (docs/behaviour.md §1.2 item 4)."""
    pp, mp = scale
    factor = pp if pp > 0 else mp
    scaled = [row[1] if row[2] is None else row[2] * factor for row in results]
    takes_int = method.endswith("average") and method != "average"
    got = rollup(results, scoring_for(method, k if takes_int else None, pp, mp)).score
    assert min(scaled) - 0.005 - 1e-9 <= got <= max(scaled) + 0.005 + 1e-9  # 2-decimal rounding


@settings_
@given(scores, scores, st.integers(50, 99), st.integers(0, 3))
def test_two_results_weighted_equals_standard_decaying(first, second, rate, gap):
    """docs/behaviour.md §1.4: with exactly two results both formulas are s1(1 - r) + s2 r."""
    rows = [(1, first, None, None, BASE, BASE, False, None, False, 1),
            (2, second, None, None, BASE + gap * DAY, BASE, False, None, False, 1)]
    weighted = rollup(rows, scoring_for("weighted_average", rate))
    standard = rollup(rows, scoring_for("standard_decaying_average", rate))
    assert weighted == standard


@st.composite
def streams(draw):
    """Several users x outcomes with one method each; consecutive users may share outcome ids."""
    outcomes = {o: draw(st.sampled_from(METHODS)) for o in range(1, 4)}
    pairs = {}
    for user in range(1, 5):
        for o in sorted(draw(st.sets(st.sampled_from(sorted(outcomes)), max_size=3))):
            pairs[(user, o)] = draw(result_lists(max_size=6))
    return outcomes, pairs


@settings_
@given(streams())
def test_stream_equals_per_pair_rollup(data):
    outcomes, pairs = data
    scorings = {o: scoring_for(m, 2 if m == "n_mastery" else None) for o, m in outcomes.items()}
    rows = sorted(((u, o, *res) for (u, o), results in pairs.items() for res in results),
                  key=lambda row: (row[0], row[1], row[6], row[2]))
    expected = [(u, o, rollup(pairs[(u, o)], scorings[o])) for (u, o) in sorted(pairs)]
    assert list(rollup_stream(rows, scorings)) == [e for e in expected if e[2] is not None]


def kahan_babuska_sum(values):
    """Ruby's Array#sum for floats (array.c, Kahan-Babuska), the sum Canvas's means use."""
    f, c = 0.0, 0.0
    for x in values:
        t = f + x
        c += (f - t) + x if abs(f) >= abs(x) else (x - t) + f
        f = t
    return f + c


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(scores, st.sampled_from([1.0, 3.0, 4.0, 5.0, 0.1, 0.7])), min_size=1, max_size=30))
def test_fsum_matches_rubys_compensated_sum_on_score_data(pairs):
    """methods.py uses math.fsum for Ruby's Array#sum: identical on per-result score values."""
    values = [s * f for s, f in pairs]
    ruby = kahan_babuska_sum(values)
    assert fsum(values) == ruby or (isnan(ruby) and isnan(fsum(values)))


def test_fsum_also_matches_on_a_large_random_sample():
    rng = random.Random(7)
    for _ in range(5_000):
        values = [rng.randint(0, 400) / 100 * rng.choice([1.0, 4.0, 5.0, 0.65, 0.35])
                  for _ in range(rng.randint(1, 15))]
        assert fsum(values) == kahan_babuska_sum(values)
