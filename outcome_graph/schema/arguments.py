"""GraphQL arguments -> the core's typed inputs (resolvers/inputs.py), each error naming the argument as the
schema spells it. The fields in schema/ call these and then the core, nothing else."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Optional

import strawberry

from outcome_graph.resolvers.inputs import (AggregateStat, Paging, ResultQuery, RollupQuery, SortOrder, id_list,
                                            optional_id, user_refs)
from outcome_graph.resolvers.time_filter import TimeFilter, time_filter

AS_OF = ("Compute the rollups from the results up to this time, included (docs/windows.md), instead of reading "
         "the current ones. Not with window.")
WINDOW = "Compute the rollups from the results inside this window (docs/windows.md). Not with asOf."


@strawberry.input(description="The results whose time (submitted, else assessed) falls from `from`, included, to "
                               "`to`, excluded, compared in whole seconds (docs/windows.md).")
class RollupWindow:
    start: datetime = strawberry.field(name="from", description="The window's first instant, included.")
    end: datetime = strawberry.field(name="to", description="The instant the window ends, excluded.")


AsOf = Annotated[Optional[datetime], strawberry.argument(description=AS_OF)]
Window = Annotated[Optional[RollupWindow], strawberry.argument(description=WINDOW)]


def when(as_of: datetime | None = None, window: RollupWindow | None = None) -> TimeFilter | None:
    return time_filter(as_of, None if window is None else (window.start, window.end))


def paging(first=None, after=None, last=None, before=None) -> Paging:
    return Paging(first=first, after=after, last=last, before=before)


def rollup_query(course_id: int, *, user_ids=None, section_id=None, outcome_ids=None, outcome_group_id=None,
                 exclude=None, sort_by=None, sort_outcome_id=None, sort_order=None, stat=None, as_of=None,
                 window=None) -> RollupQuery:
    return RollupQuery(
        course_id, user_ids=user_refs(user_ids, "userIds"), section_id=optional_id(section_id, "sectionId"),
        outcome_ids=id_list(outcome_ids, "outcomeIds"),
        outcome_group_id=optional_id(outcome_group_id, "outcomeGroupId"), exclude=frozenset(exclude or ()),
        sort_by=sort_by, sort_outcome_id=optional_id(sort_outcome_id, "sortOutcomeId"),
        sort_order=sort_order or SortOrder.ASC, stat=stat or AggregateStat.MEAN, when=when(as_of, window))


def result_query(course_id: int, *, user_ids=None, outcome_ids=None, outcome_group_id=None, section_id=None,
                 include_hidden=False) -> ResultQuery:
    return ResultQuery(
        course_id, user_ids=user_refs(user_ids, "userIds"), outcome_ids=id_list(outcome_ids, "outcomeIds"),
        outcome_group_id=optional_id(outcome_group_id, "outcomeGroupId"),
        section_id=optional_id(section_id, "sectionId"), include_hidden=bool(include_hidden))
