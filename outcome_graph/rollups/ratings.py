"""Rating buckets, rating percents and default rating mastery/colours (docs/behaviour.md §3.7, §4)."""

from collections.abc import Iterable, Sequence

from .rounding import ruby_round_int

# docs/behaviour.md §4.1: the outcome-level default criterion, ratings points descending.
DEFAULT_RATINGS: tuple[tuple[str, float], ...] = (
    ("Exceeds Expectations", 5.0),
    ("Meets Expectations", 3.0),
    ("Does Not Meet Expectations", 0.0),
)
DEFAULT_POINTS_POSSIBLE = 5.0
DEFAULT_MASTERY_POINTS = 3.0

# docs/behaviour.md §4.2: the default mastery scale (description, points, mastery, colour), current colours.
DEFAULT_MASTERY_SCALE: tuple[tuple[str, float, bool, str], ...] = (
    ("Exceeds Mastery", 4.0, False, "0374B5"),
    ("Mastery", 3.0, True, "0B874B"),
    ("Near Mastery", 2.0, False, "FAB901"),
    ("Below Mastery", 1.0, False, "D97900"),
    ("No Evidence", 0.0, False, "E0061F"),
)

# docs/behaviour.md §3.7: default palettes by rating count, highest rating first; (mastery at 1, otherwise).
_PALETTES = {
    1: (("03893D",), ("03893D",)),
    2: (("03893D", "555555"), ("03893D", "555555")),
    3: (("2B7ABC", "03893D", "555555"), ("03893D", "FAB901", "555555")),
    4: (("2B7ABC", "03893D", "FAB901", "555555"), ("03893D", "FAB901", "E62429", "555555")),
    5: (("2B7ABC", "03893D", "FAB901", "E62429", "555555"),) * 2,
    6: (("2B7ABC", "03893D", "FAB901", "D97900", "E62429", "555555"),) * 2,
}


def rating_bucket(score: float | None, rating_points: Sequence[float]) -> int | None:
    """docs/behaviour.md §4.4: index of the first rating (points descending) whose points <= score."""
    if score is None:
        return None
    for i, points in enumerate(rating_points):
        if points <= score:
            return i
    return None  # below every rating: counted in no bucket


def rating_percents(scores: Iterable[float | None], rating_points: Sequence[float]) -> list[int]:
    """docs/behaviour.md §4.4: share of bucketed scores per rating, each rounded like Ruby's Float#round."""
    counts = [0] * len(rating_points)
    for score in scores:
        i = rating_bucket(score, rating_points)
        if i is not None:
            counts[i] += 1
    total = sum(counts)
    if not total:
        return counts
    return [ruby_round_int(100.0 * c / total) for c in counts]


def _canvas_mastery_index(rating_points: Sequence[float], mastery_points: float | None) -> int:
    """docs/gradebook.md (Canvas's add_defaults): the exact match of mastery_points, else 0 for up to 4 ratings and 1 for more."""
    for i, points in enumerate(rating_points):
        if points == mastery_points:
            return i
    return 0 if len(rating_points) <= 4 else 1


def mastery_index(rating_points: Sequence[float], mastery_points: float | None) -> int | None:
    """The level where mastery begins (docs/gradebook.md): the lowest rating whose points reach mastery_points;
    without mastery points, the highest rating (Canvas's default mastery points); None when none reaches it."""
    if mastery_points is None:
        return 0 if rating_points else None
    reached = [i for i, points in enumerate(rating_points) if points >= mastery_points]
    return reached[-1] if reached else None


def default_colours(n: int, mastery: int | None) -> tuple[str | None, ...]:
    """docs/gradebook.md: Canvas's default colour of each of n ratings (highest first) given the mastery level's index;
    None where Canvas has no default (4 ratings with mastery third, 5-6 with mastery not second, 7 and more)."""
    coloured = n <= 3 or (n == 4 and mastery != 2) or (n in (5, 6) and mastery == 1)
    return _PALETTES[n][0 if mastery == 1 else 1] if coloured and n else (None,) * n


def rating_defaults(
    rating_points: Sequence[float], mastery_points: float | None
) -> list[tuple[bool, str | None]]:
    """docs/behaviour.md §3.7 add_defaults: (mastery flag, default colour or None) for each rating."""
    mastery = _canvas_mastery_index(rating_points, mastery_points)
    palette = default_colours(len(rating_points), mastery)
    return [(i == mastery, palette[i]) for i in range(len(rating_points))]


def rating_levels(
    rating_points: Sequence[float], mastery_points: float | None, colours: Sequence[str | None]
) -> list[tuple[bool, str | None]]:
    """(mastery flag, colour) of each rating without add_defaults (docs/gradebook.md): the level where mastery
    begins, and the stored colour, else Canvas's default for that level."""
    mastery = mastery_index(rating_points, mastery_points)
    palette = default_colours(len(rating_points), mastery)
    return [(i == mastery, colours[i] or palette[i]) for i in range(len(rating_points))]
