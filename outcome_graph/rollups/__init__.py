"""The pure rollup calculation engine (Canvas outcome results, docs/behaviour.md §1, §2.2, §3.7, §4)."""

from .aggregate import aggregate
from .engine import rollup
from .explain import explain
from .working import Explanation, ExplainedResult, Step
from .percent import compute_percent
from .ratings import (
    DEFAULT_MASTERY_POINTS,
    DEFAULT_MASTERY_SCALE,
    DEFAULT_POINTS_POSSIBLE,
    DEFAULT_RATINGS,
    rating_bucket,
    rating_defaults,
    rating_levels,
    rating_percents,
)
from .rounding import ruby_round
from .score import ResultTuple, RollupScore
from .registry import METHODS_BY_NAME, TIE_BREAKS, Method, method_named
from .scoring import Scoring, effective_scoring, resolve_scoring
from .stream import rollup_stream
from .validation import (
    METHODS, CalculationError, validate_calculation, validate_minimum_evidence, validate_tie_break,
)

__all__ = [
    "METHODS",
    "METHODS_BY_NAME",
    "Method",
    "TIE_BREAKS",
    "CalculationError",
    "DEFAULT_MASTERY_POINTS",
    "DEFAULT_MASTERY_SCALE",
    "DEFAULT_POINTS_POSSIBLE",
    "DEFAULT_RATINGS",
    "ExplainedResult",
    "Explanation",
    "ResultTuple",
    "RollupScore",
    "Scoring",
    "Step",
    "aggregate",
    "compute_percent",
    "effective_scoring",
    "explain",
    "method_named",
    "rating_bucket",
    "rating_defaults",
    "rating_levels",
    "rating_percents",
    "resolve_scoring",
    "rollup",
    "rollup_stream",
    "ruby_round",
    "validate_calculation",
    "validate_minimum_evidence",
    "validate_tie_break",
]
