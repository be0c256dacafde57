"""Every calculation method in one table: its name, parameter, quiz pooling, score function, hide-points rule
and description (docs/methods.md). Validation, the engine, explanations and the GraphQL enum read it; adding a
method is one entry here (plus its tests and its section in docs/methods.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

from . import methods, working
from .score import HIDE_POINTS, RESULT_ID

_H, _ID = itemgetter(HIDE_POINTS), itemgetter(RESULT_ID)


# -- hide-points rules (docs/behaviour.md §1.7, docs/methods.md §4): whether every result the score used hides
# points. Each gets the rows and scaled values in time order and the prepared parameters; any() first, since
# hardly any result hides points.

def hide_all(rows: list, vals: list, p) -> bool:
    return all(map(_H, rows))


def hide_latest(rows: list, vals: list, p) -> bool:
    return bool(rows[-1][HIDE_POINTS])  # docs/behaviour.md §1.6: ties -> the later result id


def hide_top(rows: list, vals: list, p) -> bool:
    """The first highest result (ties: the lowest result id, docs/behaviour.md §11.2)."""
    if not any(map(_H, rows)):
        return False
    top = max(vals)
    return bool(min((r for r, v in zip(rows, vals) if v == top), key=_ID)[HIDE_POINTS])


def hide_mastered(rows: list, vals: list, p) -> bool:
    return all(r[HIDE_POINTS] for r, v in zip(rows, vals) if v >= p.mastery_points)


def hide_recent(rows: list, vals: list, p) -> bool:
    return all(map(_H, rows[-p.n:]))


def hide_highest_n(rows: list, vals: list, p) -> bool:
    return any(map(_H, rows)) and all(rows[i][HIDE_POINTS] for i in methods.top_indexes(vals, p.n))


def hide_mode(rows: list, vals: list, p) -> bool:
    if not any(map(_H, rows)):
        return False
    chosen = methods.mode_level(vals, p)[0]
    return all(r[HIDE_POINTS] for r, v in zip(rows, vals) if methods.level_of(v, p.levels) == chosen)


TIE_BREAKS = ("higher", "lower", "most_recent", "none")
DEFAULT_TIE_BREAK = "higher"
MINIMUM_EVIDENCE = (0, 100)  # 0 = no minimum (docs/methods.md §5)


@dataclass(frozen=True, slots=True)
class Method:
    """One calculation method (docs/methods.md)."""

    name: str  # the stored name; the GraphQL enum value is its upper case
    description: str  # the GraphQL enum value's description
    score: Callable  # (scaled scores in time order, Params) -> rounded score or None
    hide: Callable  # (rows, scaled scores, Params) -> hide_points of a non-null score
    working: Callable  # fills an Explanation: weights, reasons, steps (rollups/working.py)
    int_range: tuple[int, int] | None = None  # calculation_int's legal range; None: takes no int
    default_int: int | None = None
    int_meaning: str | None = None  # what calculation_int is: "weight", "rate", "n"
    pooled: bool = False  # quiz results pooled per quiz (docs/behaviour.md §1.2 item 4)
    tie_break: bool = False  # takes a tie rule (mode)
    canvas: bool = False  # one of Canvas's seven stored names (docs/behaviour.md §1.1)


METHODS_BY_NAME: dict[str, Method] = {m.name: m for m in (
    Method("decaying_average", "Canvas's weighted formula: the latest result counts calculationInt % and the mean "
           "of the earlier ones the rest (docs/behaviour.md §1.3).",
           methods.weighted_average, hide_all, working.weighted, (1, 99), 65, "weight", pooled=True, canvas=True),
    Method("weighted_average", "The same weighted formula as DECAYING_AVERAGE, under Canvas's newer name "
           "(docs/behaviour.md §1.3).",
           methods.weighted_average, hide_all, working.weighted, (1, 99), 65, "weight", pooled=True, canvas=True),
    Method("standard_decaying_average", "A true decaying average: each newer result counts calculationInt % of "
           "the running value (docs/behaviour.md §1.4).",
           methods.standard_decaying_average, hide_all, working.decaying, (50, 99), 65, "rate", pooled=True,
           canvas=True),
    Method("n_mastery", "Mastered at least calculationInt times: the mean of the results at or above mastery, "
           "null until enough (docs/behaviour.md §1.5).",
           methods.n_mastery, hide_mastered, working.n_mastery, (1, 10), 5, "n", canvas=True),
    Method("latest", "The most recent result (docs/behaviour.md §1.6).",
           methods.latest, hide_latest, working.latest, pooled=True, canvas=True),
    Method("highest", "The best result (docs/behaviour.md §1.6).",
           methods.highest, hide_top, working.highest, canvas=True),
    Method("average", "The mean of all results (docs/behaviour.md §1.6).",
           methods.average, hide_all, working.average, pooled=True, canvas=True),
    Method("power_law", "The power curve y = a·x^b fitted to the results in order (x = 1, 2, …), read at the "
           "latest result and kept within the scale; zeros are left out of the fit (docs/methods.md §1).",
           methods.power_law, hide_all, working.power_law),
    Method("mode", "The rating level reached most often; tieBreak settles a tie (docs/methods.md §2).",
           methods.mode, hide_mode, working.mode, tie_break=True),
    Method("recent_average", "The mean of the calculationInt most recent results (docs/methods.md §3.1).",
           methods.recent_average, hide_recent, working.recent, (1, 20), 3, "n"),
    Method("recent_median", "The median of the calculationInt most recent results (docs/methods.md §3.2).",
           methods.recent_median, hide_recent, working.recent_median, (1, 20), 3, "n"),
    Method("highest_average", "The mean of the calculationInt highest results (docs/methods.md §3.3).",
           methods.highest_average, hide_highest_n, working.highest_average, (1, 20), 3, "n"),
)}

METHODS: tuple[str, ...] = tuple(METHODS_BY_NAME)
CANVAS_METHODS: tuple[str, ...] = tuple(m.name for m in METHODS_BY_NAME.values() if m.canvas)
DEFAULT_METHOD = "highest"  # docs/behaviour.md §1.1: a missing method means highest


def method_named(name: str | None) -> Method | None:
    """The registry entry of a stored name (None means highest); None for an unknown name."""
    return METHODS_BY_NAME.get(DEFAULT_METHOD if name is None else name)
