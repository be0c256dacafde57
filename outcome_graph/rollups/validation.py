"""Calculation method names and their parameter rules, so bad input fails with Canvas's words."""

# docs/behaviour.md §1.1: Canvas's seven stored names; decaying_average and weighted_average are the
# weighted formula (§1.3), standard_decaying_average the true decaying average (§1.4).
METHODS: tuple[str, ...] = (
    "decaying_average",
    "weighted_average",
    "standard_decaying_average",
    "n_mastery",
    "latest",
    "highest",
    "average",
)

# docs/behaviour.md §1.1: legal calculation_int range and default per method; absent = takes no int.
INT_RANGES: dict[str, tuple[int, int]] = {
    "decaying_average": (1, 99),
    "weighted_average": (1, 99),
    "standard_decaying_average": (50, 99),
    "n_mastery": (1, 10),
}
DEFAULT_INTS: dict[str, int] = {
    "decaying_average": 65,
    "weighted_average": 65,
    "standard_decaying_average": 65,
    "n_mastery": 5,
}

NOT_USED = "A calculation value is not used with this calculation method"


class CalculationError(ValueError):
    """A calculation method or value Canvas would reject; args[0] is Canvas's message."""


def check_method(method: str | None) -> str:
    """Normalise a method name, since a null method means highest (docs/behaviour.md §1.1)."""
    if method is None:
        return "highest"
    if method not in METHODS:
        raise CalculationError(f"'{method}' is not a valid calculation method")
    return method


def validate_calculation(method: str | None, calc_int: int | None) -> tuple[str, int | None]:
    """Check a method and int as Canvas does on save (docs/behaviour.md §1.1), filling in the default int."""
    method = check_method(method)
    bounds = INT_RANGES.get(method)
    if bounds is None:
        if calc_int is not None:
            raise CalculationError(NOT_USED)
        return method, None
    if calc_int is None:
        return method, DEFAULT_INTS[method]
    low, high = bounds
    if isinstance(calc_int, bool) or not isinstance(calc_int, int) or not low <= calc_int <= high:
        raise CalculationError(
            f"'{calc_int}' is not a valid value for this calculation method. "
            f"The value must be between '{low}' and '{high}'"
        )
    return method, calc_int


def stored_calculation(method: str | None, calc_int: int | None) -> tuple[str, int | None]:
    """Normalise already-stored settings leniently, as Canvas's calculator does (docs/behaviour.md §1.1)."""
    method = check_method(method)
    if method not in INT_RANGES:
        return method, None  # docs/behaviour.md §1.1: highest/latest/average ignore any stored int
    if calc_int is None:
        return method, DEFAULT_INTS[method]  # docs/behaviour.md §1.1: the calculator uses 65 (n_mastery: 5)
    return method, int(calc_int)
