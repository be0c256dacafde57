"""Calculation method names and their parameter rules, so bad input fails with Canvas's words; every rule comes
from the method registry (rollups/registry.py)."""

from .registry import DEFAULT_METHOD, DEFAULT_TIE_BREAK, METHODS, MINIMUM_EVIDENCE, TIE_BREAKS, method_named

__all__ = ["METHODS", "CalculationError", "check_method", "stored_calculation", "validate_calculation",
           "validate_minimum_evidence", "validate_tie_break"]

NOT_USED = "A calculation value is not used with this calculation method"
TIE_BREAK_NOT_USED = "A tie break is not used with this calculation method"


class CalculationError(ValueError):
    """A calculation method or value Canvas would reject; args[0] is Canvas's message."""


def check_method(method: str | None) -> str:
    """Normalise a method name, since a null method means highest (docs/behaviour.md §1.1)."""
    if method is None:
        return DEFAULT_METHOD
    if method_named(method) is None:
        raise CalculationError(f"'{method}' is not a valid calculation method")
    return method


def _out_of_range(value, low: int, high: int) -> CalculationError:
    return CalculationError(f"'{value}' is not a valid value for this calculation method. "
                            f"The value must be between '{low}' and '{high}'")


def _is_int(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int)


def validate_calculation(method: str | None, calc_int: int | None) -> tuple[str, int | None]:
    """Check a method and int as Canvas does on save (docs/behaviour.md §1.1), filling in the default int."""
    method = check_method(method)
    entry = method_named(method)
    if entry.int_range is None:
        if calc_int is not None:
            raise CalculationError(NOT_USED)
        return method, None
    if calc_int is None:
        return method, entry.default_int
    low, high = entry.int_range
    if not _is_int(calc_int) or not low <= calc_int <= high:
        raise _out_of_range(calc_int, low, high)
    return method, calc_int


def validate_tie_break(method: str, tie_break: str | None) -> str | None:
    """A tie rule for a method that takes one (docs/methods.md §2.2), its default when not given."""
    if not method_named(method).tie_break:
        if tie_break is not None:
            raise CalculationError(TIE_BREAK_NOT_USED)
        return None
    if tie_break is None:
        return DEFAULT_TIE_BREAK
    if tie_break not in TIE_BREAKS:
        raise CalculationError(f"'{tie_break}' is not a valid tie break. It must be one of {', '.join(TIE_BREAKS)}")
    return tie_break


def validate_minimum_evidence(n: int | None) -> int | None:
    """A minimum evidence count for any method (docs/methods.md §5); 0 and null mean none."""
    if n is None:
        return None
    low, high = MINIMUM_EVIDENCE
    if not _is_int(n) or not low <= n <= high:
        raise CalculationError(f"'{n}' is not a valid minimum evidence count. It must be between '{low}' and "
                               f"'{high}'")
    return n or None


def stored_calculation(method: str | None, calc_int: int | None) -> tuple[str, int | None]:
    """Normalise already-stored settings leniently, as Canvas's calculator does (docs/behaviour.md §1.1)."""
    method = check_method(method)
    entry = method_named(method)
    if entry.int_range is None:
        return method, None  # docs/behaviour.md §1.1: highest/latest/average ignore any stored int
    if calc_int is None:
        return method, entry.default_int  # docs/behaviour.md §1.1: the calculator uses 65 (n_mastery: 5)
    return method, int(calc_int)
