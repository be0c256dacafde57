"""The pure rollup calculation engine (Canvas outcome results, docs/behaviour.md §1, §2.2, §3.7, §4)."""

from .aggregate import aggregate
from .engine import rollup
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
from .scoring import Scoring, resolve_scoring
from .stream import rollup_stream
from .validation import METHODS, CalculationError, validate_calculation

__all__ = [
    "METHODS",
    "CalculationError",
    "DEFAULT_MASTERY_POINTS",
    "DEFAULT_MASTERY_SCALE",
    "DEFAULT_POINTS_POSSIBLE",
    "DEFAULT_RATINGS",
    "ResultTuple",
    "RollupScore",
    "Scoring",
    "aggregate",
    "compute_percent",
    "rating_bucket",
    "rating_defaults",
    "rating_levels",
    "rating_percents",
    "resolve_scoring",
    "rollup",
    "rollup_stream",
    "ruby_round",
    "validate_calculation",
]
