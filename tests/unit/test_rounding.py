"""Ruby Float#round semantics of ruby_round (docs/behaviour.md §11.1), by example and by property."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outcome_graph.rollups import ruby_round
from outcome_graph.rollups.rounding import ruby_round_int

CASES = [
    (3.175, 2, 3.18),  # docs/behaviour.md §1.2 item 7: Python's round gives 3.17
    (2.175, 2, 2.18),  # docs/behaviour.md §11.1
    (2.675, 2, 2.68),  # docs/behaviour.md §11.1
    (3.475, 2, 3.48),  # row 15
    (2.123, 2, 2.12),  # row 12
    (1.005, 2, 1.01),
    (-2.675, 2, -2.68),
    (0.0, 2, 0.0),
    (0.514285714, 4, 0.5143),  # row 40
    (0.5, 0, 1.0),
    (2.5, 0, 3.0),
    (-0.5, 0, -1.0),
    (1e300, 2, 1e300),  # Ruby returns floats without digits at that precision unchanged
]


@pytest.mark.parametrize(("x", "nd", "expected"), CASES)
def test_ruby_round_cases(x, nd, expected):
    assert ruby_round(x, nd) == expected


def test_non_finite_values_pass_through():
    assert ruby_round(float("inf")) == float("inf")
    assert ruby_round(float("-inf")) == float("-inf")
    assert ruby_round(float("nan")) != ruby_round(float("nan"))


def test_tiny_negative_rounds_to_negative_zero_like_ruby():
    assert str(ruby_round(-0.001)) == "-0.0"


def test_unsupported_precision_is_refused():
    with pytest.raises(ValueError):
        ruby_round(1.0, 15)


@pytest.mark.parametrize(("x", "expected"), [(66.66666, 67), (33.333, 33), (50.0, 50), (0.5, 1), (2.5, 3)])
def test_ruby_round_int_rounds_half_away_from_zero(x, expected):
    assert ruby_round_int(x) == expected


@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from([0, 1, 2, 3, 4]))
def test_agrees_with_half_up_on_the_shortest_decimal_form(micro, nd):
    """docs/behaviour.md §11.1: "round half up on the shortest decimal form", for values with <= 6 decimals."""
    x = float(Decimal(micro).scaleb(-6))
    expected = Decimal(repr(x)).quantize(Decimal(1).scaleb(-nd), rounding=ROUND_HALF_UP)
    assert ruby_round(x, nd) == float(expected)
