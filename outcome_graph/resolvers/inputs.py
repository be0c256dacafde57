"""Typed inputs of the core: what a request asks, already parsed, whichever API it came through.

GraphQL (schema/) and REST (rest/) parse their arguments into these and call the core with them, so an id, a
user reference, an enum value or a page request is read by one rule. Malformed values are BAD_USER_INPUT
naming the argument as the caller's API spells it (the `argument` parameters).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable

from outcome_graph.resolvers.ids import parse_id
from outcome_graph.resolvers.time_filter import TimeFilter

SIS_PREFIX = "sis_user_id:"
SELF = "self"


class RollupExclusion(enum.Enum):
    """Students or outcomes left out of rollups (Canvas's exclude[] values)."""

    MISSING_USER_ROLLUPS = "missing_user_rollups"
    MISSING_OUTCOME_RESULTS = "missing_outcome_results"
    CONCLUDED_ENROLLMENTS = "concluded_enrollments"
    INACTIVE_ENROLLMENTS = "inactive_enrollments"


class RollupSortBy(enum.Enum):
    """What rollup pages are sorted by; none means by student id."""

    STUDENT = "student"
    OUTCOME = "outcome"


class SortOrder(enum.Enum):
    ASC = "asc"
    DESC = "desc"


class AggregateStat(enum.Enum):
    """Course-level statistic over student rollups."""

    MEAN = "mean"
    MEDIAN = "median"


@dataclass(frozen=True)
class UserRef:
    """A reference to a user as every user argument takes it: an id, `self` (the viewer) or `sis_user_id:X`.
    Exactly one of id, sis_user_id and is_self is set; `text` is the reference as the caller wrote it."""

    text: str
    id: int | None = None
    sis_user_id: str | None = None
    is_self: bool = False

    @classmethod
    def parse(cls, value: str | int, argument: str = "userIds", *, allow_self: bool = True) -> "UserRef":
        """allow_self=False where the viewer cannot be meant (a result's student): `self` is then malformed."""
        text = str(value).strip()
        if text == SELF and allow_self:
            return cls(str(value), is_self=True)
        if text.startswith(SIS_PREFIX):
            return cls(str(value), sis_user_id=text[len(SIS_PREFIX):])
        return cls(str(value), id=parse_id(text, argument))

    def __str__(self) -> str:
        return self.text


def user_refs(values: Iterable[str | int] | None, argument: str = "userIds") -> tuple[UserRef, ...] | None:
    """Every reference of a list argument parsed; None stays None (no filter)."""
    return None if values is None else tuple(UserRef.parse(v, argument) for v in values)


def id_list(values: Iterable[str | int] | None, argument: str) -> tuple[int, ...] | None:
    """A list of ids parsed; None stays None (no filter)."""
    return None if values is None else tuple(parse_id(v, argument) for v in values)


def optional_id(value: str | int | None, argument: str) -> int | None:
    return None if value is None else parse_id(value, argument)


@dataclass(frozen=True)
class Paging:
    """Which slice of a list: `first` items after the cursor `after`, or `last` before `before` (Relay), and
    `offset` items skipped going forward (numbered pages: page n of size s is first=s, offset=(n-1)*s)."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None
    offset: int = 0


@dataclass(frozen=True)
class RollupQuery:
    """Which students' rollups for which outcomes, in what order: Course.outcomeRollups' (and Canvas's
    outcome_rollups') filters. `stat` is for aggregates only. `when` computes the rollups from the results in a
    time filter instead of reading the stored ones (docs/windows.md)."""

    course_id: int
    user_ids: tuple[UserRef, ...] | None = None
    section_id: int | None = None
    outcome_ids: tuple[int, ...] | None = None
    outcome_group_id: int | None = None
    exclude: frozenset[RollupExclusion] = frozenset()
    sort_by: RollupSortBy | None = None
    sort_outcome_id: int | None = None
    sort_order: SortOrder = SortOrder.ASC
    stat: AggregateStat = AggregateStat.MEAN
    when: TimeFilter | None = None


@dataclass(frozen=True)
class ResultQuery:
    """Which results: Course.outcomeResults' (and Canvas's outcome_results') filters."""

    course_id: int
    user_ids: tuple[UserRef, ...] | None = None
    outcome_ids: tuple[int, ...] | None = None
    outcome_group_id: int | None = None
    section_id: int | None = None
    include_hidden: bool = False


@dataclass(frozen=True)
class ContributingQuery:
    """An outcome's contributing scores: Course.contributingScores' (and Canvas's contributing_scores') filters."""

    course_id: int
    outcome_id: int
    user_ids: tuple[UserRef, ...] | None = None
    only_assignment_alignments: bool = False
    show_unpublished_assignments: bool = False

