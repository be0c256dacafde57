"""User.outcomeResults, batched: the pages of N users in one statement, not one page per user.

A gateway resolves `users { outcomeResults(courseId: 1) }` as one `_entities` call with N User
representations. Each page keeps Course.outcomeResults' checks (in its order), visibility rules, order and
cursors (resolvers/results.py), but the pages of one batch come from one statement: ROW_NUMBER() OVER
(PARTITION BY user) cuts each user's page, COUNT(*) OVER (PARTITION BY user) gives its totalCount
(docs/conventions.md §5, never a LIMIT inside a batch).
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from sqlalchemy import and_, func, or_, select, true
from outcome_graph.db import models as m
from outcome_graph.db.results import counted, joined
from outcome_graph.errors import DomainError
from outcome_graph.resolvers.access import course_access
from outcome_graph.resolvers.inputs import Paging, UserRef
from outcome_graph.resolvers.loaders import DataLoader, request_loader
from outcome_graph.resolvers.outcomes import select_outcome_ids
from outcome_graph.resolvers.paging import Page, PageRequest, cut, page_request
from outcome_graph.resolvers.results import HIDDEN_FOR_GRADERS, ORDER, RESULT_COLUMNS, keyset, result_cursor
from outcome_graph.resolvers.students import requested_users, select_students

r, u = m.OutcomeResult, m.User
_LOADER = "loader:result_pages_by_user"


class UserResultsKey(NamedTuple):
    """One User.outcomeResults field: the course, the user and the field's arguments as given."""

    course_id: int
    user_id: int
    outcome_ids: Optional[tuple[int, ...]]
    include_hidden: bool
    paging: Paging


class _Group(NamedTuple):
    """Pages one statement answers: same course, outcomes, arguments and viewer rights."""

    course_id: int
    outcome_ids: tuple[int, ...]
    include_hidden: bool
    include_muted: bool
    request: PageRequest


async def _checked(ctx, key: UserResultsKey) -> _Group | None:
    """outcome_results_page's checks, in its order, for one user; None when the page is empty anyway."""
    access = await course_access(ctx, key.course_id)
    if key.include_hidden and not access.sees_hidden:
        raise HIDDEN_FOR_GRADERS()
    user_ids = (UserRef(str(key.user_id), id=key.user_id),)
    await requested_users(ctx, access, user_ids)  # permissions before the other checks (docs/behaviour.md §3.9 order)
    request = page_request("result", ctx.settings.max_page_size, key.paging)
    outcomes = await select_outcome_ids(ctx, key.course_id, key.outcome_ids, None)
    students = await select_students(ctx, access, user_ids, None)
    if not students.ids or not outcomes:
        return None
    return _Group(key.course_id, tuple(sorted(outcomes)), key.include_hidden, access.sees_hidden,
                  _hashable(request))


def _hashable(request: PageRequest) -> PageRequest:
    """The request as a group key: its cursors as tuples."""
    return PageRequest(request.size, request.backward, *(None if c is None else tuple(c)
                                                         for c in (request.after, request.before)), request.offset)


def _pages_statement(group: _Group, user_ids: list[int]):
    """Every user's page (size + 1 rows between the cursors, from the side the request reads) and total, plus one
    row for a user with no row between them."""
    request = group.request
    order = tuple(c.desc() for c in ORDER) if request.backward else ORDER
    conditions = keyset(request)
    past = and_(*conditions) if conditions else None
    where = (counted(group.course_id, include_hidden=group.include_hidden, include_muted=group.include_muted),
             r.user_id.in_(user_ids), r.outcome_id.in_(group.outcome_ids))
    partition = (r.user_id,) if past is None else (r.user_id, past)
    ranked = joined(select(
        *RESULT_COLUMNS,
        (true() if past is None else past).label("past_cursor"),
        func.count().over(partition_by=r.user_id).label("total"),
        func.row_number().over(partition_by=partition, order_by=order).label("rank"),
    )).join(u, u.id == r.user_id).where(*where).subquery()
    # Rows before the cursor only carry the total of a user whose page is empty (one such row per user).
    keep = ranked.c.rank <= request.offset + request.size + 1
    if past is not None:
        keep = keep & or_(ranked.c.past_cursor, ranked.c.rank == 1)
    return select(ranked).where(keep).order_by(ranked.c.user_id, ranked.c.past_cursor, ranked.c.rank)


async def _pages(ctx, group: _Group, user_ids: list[int]) -> dict[int, Page]:
    rows: dict[int, list] = {uid: [] for uid in user_ids}
    totals: dict[int, int] = {}
    for row in await ctx.reader.rows(_pages_statement(group, user_ids)):
        totals[row.user_id] = row.total
        if row.past_cursor:
            rows[row.user_id].append(row)
    pages = {}
    for uid, found in rows.items():
        if group.request.backward:
            found.reverse()
        page, has_next, has_previous = cut(found, group.request)
        pages[uid] = Page(page, [result_cursor(x) for x in page], totals.get(uid, 0), has_next, has_previous)
    return pages


async def _result_pages(ctx, keys: list[UserResultsKey]) -> list[Page | Exception]:
    found: dict[UserResultsKey, Page | Exception] = {}
    groups: dict[_Group, list[UserResultsKey]] = {}
    for key in dict.fromkeys(keys):
        try:
            group = await _checked(ctx, key)
        except DomainError as e:  # this user's error only: the other pages go on
            found[key] = e
            continue
        if group is None:
            paging = key.paging
            cursored = paging.after is not None or paging.before is not None or paging.offset > 0
            found[key] = Page([], [], 0, False, cursored)
        else:
            groups.setdefault(group, []).append(key)
    for group, members in groups.items():
        pages = await _pages(ctx, group, [k.user_id for k in members])
        found.update((k, pages[k.user_id]) for k in members)
    return [found[key] for key in keys]


def result_pages_by_user(ctx) -> DataLoader:
    return request_loader(ctx, _LOADER, lambda keys: _result_pages(ctx, keys))


async def user_results_page(ctx, course_id: int, user_id: int, *, outcome_ids: tuple[int, ...] | None,
                            include_hidden: bool, paging: Paging) -> Page:
    """User.outcomeResults(courseId, ...): what Course.outcomeResults(userIds: [user]) pages, batched."""
    key = UserResultsKey(course_id, user_id, outcome_ids, include_hidden, paging)
    return await result_pages_by_user(ctx).load(key)
