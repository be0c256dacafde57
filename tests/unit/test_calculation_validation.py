"""Calculation method and int validation with Canvas's messages (docs/behaviour.md §1.1), and scoring overrides."""

import pytest

from types import SimpleNamespace

from outcome_graph.rollups import (METHODS, CalculationError, Scoring, effective_scoring, resolve_scoring,
                                   validate_calculation, validate_minimum_evidence, validate_tie_break)
from outcome_graph.rollups.registry import CANVAS_METHODS

OK = [
    (None, None, ("highest", None)),
    ("highest", None, ("highest", None)),
    ("latest", None, ("latest", None)),
    ("average", None, ("average", None)),
    ("decaying_average", None, ("decaying_average", 65)),
    ("weighted_average", None, ("weighted_average", 65)),
    ("standard_decaying_average", None, ("standard_decaying_average", 65)),
    ("n_mastery", None, ("n_mastery", 5)),
    ("decaying_average", 1, ("decaying_average", 1)),
    ("weighted_average", 99, ("weighted_average", 99)),
    ("standard_decaying_average", 50, ("standard_decaying_average", 50)),
    ("n_mastery", 10, ("n_mastery", 10)),
    ("power_law", None, ("power_law", None)),
    ("mode", None, ("mode", None)),
    ("recent_average", None, ("recent_average", 3)),
    ("recent_median", 20, ("recent_median", 20)),
    ("highest_average", 1, ("highest_average", 1)),
]


@pytest.mark.parametrize(("method", "calc_int", "expected"), OK)
def test_valid_settings_are_normalised(method, calc_int, expected):
    assert validate_calculation(method, calc_int) == expected


BAD = [
    ("highest", 3, "A calculation value is not used with this calculation method"),
    ("latest", 72, "A calculation value is not used with this calculation method"),
    ("average", 1, "A calculation value is not used with this calculation method"),
    (None, 5, "A calculation value is not used with this calculation method"),
    ("decaying_average", 0,
     "'0' is not a valid value for this calculation method. The value must be between '1' and '99'"),
    ("weighted_average", 100,
     "'100' is not a valid value for this calculation method. The value must be between '1' and '99'"),
    ("standard_decaying_average", 49,
     "'49' is not a valid value for this calculation method. The value must be between '50' and '99'"),
    ("n_mastery", 11,
     "'11' is not a valid value for this calculation method. The value must be between '1' and '10'"),
    ("n_mastery", 0,
     "'0' is not a valid value for this calculation method. The value must be between '1' and '10'"),
    ("n_mastery", True,
     "'True' is not a valid value for this calculation method. The value must be between '1' and '10'"),
    ("power_law", 3, "A calculation value is not used with this calculation method"),
    ("mode", 2, "A calculation value is not used with this calculation method"),
    ("recent_average", 0,
     "'0' is not a valid value for this calculation method. The value must be between '1' and '20'"),
    ("highest_average", 21,
     "'21' is not a valid value for this calculation method. The value must be between '1' and '20'"),
    ("foo", None, "'foo' is not a valid calculation method"),
    ("Highest", None, "'Highest' is not a valid calculation method"),
]


@pytest.mark.parametrize(("method", "calc_int", "message"), BAD)
def test_invalid_settings_raise_canvas_messages(method, calc_int, message):
    with pytest.raises(CalculationError) as info:
        validate_calculation(method, calc_int)
    assert info.value.args[0] == message
    assert isinstance(info.value, ValueError)


def test_methods_are_canvas_stored_names_then_ours():
    assert CANVAS_METHODS == ("decaying_average", "weighted_average", "standard_decaying_average",
                              "n_mastery", "latest", "highest", "average")
    assert METHODS == CANVAS_METHODS + ("power_law", "mode", "recent_average", "recent_median", "highest_average")


def test_resolve_scoring_keeps_the_outcome_settings():
    got = resolve_scoring(method="n_mastery", calc_int=None, points_possible=5, mastery_points=3)
    assert got == Scoring("n_mastery", 5, 5.0, 3.0)


def test_resolve_scoring_is_lenient_with_stored_ints():
    """docs/behaviour.md §1.1: the calculator ignores an int on highest/latest (Canvas specs store latest, 3)."""
    got = resolve_scoring(method="latest", calc_int=3, points_possible=5.0, mastery_points=3.0)
    assert got == Scoring("latest", None, 5.0, 3.0)


OUTCOME = SimpleNamespace(calculation_method="decaying_average", calculation_int=75, tie_break=None,
                          minimum_evidence=None, points_possible=5.0, mastery_points=3.0,
                          ratings=[{"description": "Top", "points": 5.0}, {"description": "Low", "points": 0.0}])
SCALE = SimpleNamespace(points_possible=4.0, mastery_points=3.0, ratings=[{"description": "A", "points": 4.0}])
COURSE_MODE = SimpleNamespace(method="mode", calculation_int=None, tie_break=None, minimum_evidence=2)


def test_effective_scoring_course_overrides_replace_the_outcome():
    """docs/behaviour.md §4.2: with a course scale and method, every outcome uses them."""
    got = effective_scoring(OUTCOME, SCALE, COURSE_MODE)
    assert got == Scoring("mode", None, 4.0, 3.0, "higher", 2, tuple(SCALE.ratings), True)


def test_effective_scoring_without_overrides_keeps_the_outcome():
    got = effective_scoring(OUTCOME)
    assert got == Scoring("decaying_average", 75, 5.0, 3.0, None, None, tuple(OUTCOME.ratings), False)


def test_effective_scoring_takes_the_scale_and_method_separately():
    assert effective_scoring(OUTCOME, SCALE).method == "decaying_average"
    assert effective_scoring(OUTCOME, None, COURSE_MODE).points_possible == 5.0


def test_resolve_scoring_rejects_unknown_methods():
    with pytest.raises(CalculationError, match="'nope' is not a valid calculation method"):
        resolve_scoring(method="nope", calc_int=None, points_possible=5.0, mastery_points=3.0)


def test_tie_break_belongs_to_mode_and_defaults_to_higher():
    assert validate_tie_break("mode", None) == "higher"
    assert validate_tie_break("mode", "most_recent") == "most_recent"
    assert validate_tie_break("latest", None) is None
    with pytest.raises(CalculationError, match="A tie break is not used with this calculation method"):
        validate_tie_break("latest", "lower")
    with pytest.raises(CalculationError, match="'first' is not a valid tie break"):
        validate_tie_break("mode", "first")


@pytest.mark.parametrize(("given", "stored"), [(None, None), (0, None), (1, 1), (100, 100)])
def test_minimum_evidence_zero_means_none(given, stored):
    assert validate_minimum_evidence(given) == stored


@pytest.mark.parametrize("bad", [-1, 101, True, 2.5])
def test_minimum_evidence_out_of_range(bad):
    with pytest.raises(CalculationError, match="is not a valid minimum evidence count"):
        validate_minimum_evidence(bad)
