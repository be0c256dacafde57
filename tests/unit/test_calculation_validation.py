"""Calculation method and int validation with Canvas's messages (docs/behaviour.md §1.1), and scoring overrides."""

import pytest

from outcome_graph.rollups import METHODS, CalculationError, Scoring, resolve_scoring, validate_calculation

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
    ("foo", None, "'foo' is not a valid calculation method"),
    ("Highest", None, "'Highest' is not a valid calculation method"),
]


@pytest.mark.parametrize(("method", "calc_int", "message"), BAD)
def test_invalid_settings_raise_canvas_messages(method, calc_int, message):
    with pytest.raises(CalculationError) as info:
        validate_calculation(method, calc_int)
    assert info.value.args[0] == message
    assert isinstance(info.value, ValueError)


def test_methods_are_canvas_stored_names():
    assert METHODS == ("decaying_average", "weighted_average", "standard_decaying_average",
                       "n_mastery", "latest", "highest", "average")


def test_resolve_scoring_keeps_the_outcome_settings():
    got = resolve_scoring(method="n_mastery", calc_int=None, points_possible=5, mastery_points=3)
    assert got == Scoring("n_mastery", 5, 5.0, 3.0)


def test_resolve_scoring_is_lenient_with_stored_ints():
    """docs/behaviour.md §1.1: the calculator ignores an int on highest/latest (Canvas specs store latest, 3)."""
    got = resolve_scoring(method="latest", calc_int=3, points_possible=5.0, mastery_points=3.0)
    assert got == Scoring("latest", None, 5.0, 3.0)


def test_resolve_scoring_course_overrides_replace_the_outcome():
    """docs/behaviour.md §4.2: with a course scale and method, every outcome uses them."""
    got = resolve_scoring(method="decaying_average", calc_int=75, points_possible=5.0, mastery_points=3.0,
                          course_scale=(4.0, 3.0), course_method=("highest", None))
    assert got == Scoring("highest", None, 4.0, 3.0)


def test_resolve_scoring_rejects_unknown_methods():
    with pytest.raises(CalculationError, match="'nope' is not a valid calculation method"):
        resolve_scoring(method="nope", calc_int=None, points_possible=5.0, mastery_points=3.0)
