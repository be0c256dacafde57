"""GET courses/:course_id/outcome_rollups, its aggregate and its CSV export (docs/behaviour.md §3)."""

from __future__ import annotations

import asyncio
import csv
import io

from starlette.responses import Response

from outcome_graph.rest import core, params
from outcome_graph.rest.errors import RestError, invalid, json_response
from outcome_graph.rest.linked import ROLLUP_INCLUDES, linked
from outcome_graph.rest.pagination import Pages
from outcome_graph.rest.shapes import scores_json

SORTS = {"student": core.RollupSortBy.STUDENT, "outcome": core.RollupSortBy.OUTCOME}
ORDERS = {"asc": core.SortOrder.ASC, "desc": core.SortOrder.DESC}
STATS = {"mean": core.AggregateStat.MEAN, "median": core.AggregateStat.MEDIAN}
EXCLUSIONS = {e.value: e for e in core.RollupExclusion}
COURSES_WITHOUT_AGGREGATE = "can't include courses unless aggregate is 'course'"
USERS_WITH_AGGREGATE = "can't include users unless aggregate is not set"


def _sort(p) -> dict:
    """sort_by, sort_order and sort_outcome_id checked in Canvas's order (docs/behaviour.md §3.4, §3.9)."""
    if "sort_by" not in p:
        return {}
    sort_by = SORTS.get(p["sort_by"])
    if sort_by is None:
        raise invalid("sort_by")
    order = ORDERS.get(p.get("sort_order", "asc"))
    if order is None:
        raise invalid("sort_order")
    out = {"sort_by": sort_by, "sort_order": order}
    if sort_by is core.RollupSortBy.OUTCOME:
        raw = p.get("sort_outcome_id")
        if raw is None or not raw.strip():
            raise RestError("missing required sort_outcome_id parameter value")
        if not (raw.isascii() and raw.isdigit()):
            raise invalid("sort_outcome_id")
        out["sort_outcome_id"] = core.parse_id(raw, "sort_outcome_id")
    return out


async def _query(ctx, request) -> tuple[core.RollupQuery, bool, list[str]]:
    """The request read as the core's RollupQuery, whether it asks for the aggregate, and its includes."""
    p = request.query_params
    course_id = params.path_id(request.path_params["course_id"])
    users = params.user_ids(p)
    await core.check_permissions(ctx, course_id, users)
    params.refuse_extensions(p)
    aggregate = "aggregate" in p
    if aggregate and p["aggregate"] != "course":
        raise invalid("aggregate")
    stat = STATS.get(p.get("aggregate_stat", "mean"))
    if stat is None:
        raise invalid("aggregate_stat")
    sort = _sort(p)
    includes = params.includes(p, ROLLUP_INCLUDES)
    if "courses" in includes and not aggregate:
        raise RestError(COURSES_WITHOUT_AGGREGATE)
    if "users" in includes and aggregate:
        raise RestError(USERS_WITH_AGGREGATE)
    exclude = frozenset(EXCLUSIONS[e] for e in params.listed(p, "exclude") or () if e in EXCLUSIONS)
    q = core.RollupQuery(course_id, user_ids=users, section_id=params.section_id(p),
                         outcome_ids=params.outcome_ids(p), outcome_group_id=params.outcome_group_id(p),
                         exclude=exclude, stat=stat, **sort)
    return q, aggregate, includes


async def outcome_rollups(ctx, request):
    q, aggregate, includes = await _query(ctx, request)
    p = request.query_params
    add_defaults, with_percents = params.flag(p, "add_defaults"), params.flag(p, "rating_percents")
    if aggregate:
        scores = await core.aggregate_rollups(ctx, q)
        body: dict = {"rollups": [{"scores": scores_json(scores), "links": {"course": str(q.course_id)}}]}
        if includes:
            sel = await core.select_for_rollups(ctx, q)
            body["linked"] = await _linked(ctx, sel, includes, [], add_defaults, with_percents)
        return json_response(body)
    pages = Pages.read(p, ctx.settings.max_page_size)
    page, sel = await core.rollups_page(ctx, q, pages.paging)
    rows = []
    for item in page.items:  # one row per section enrollment, as Canvas (docs/behaviour.md §3.2)
        scores = scores_json(item.scores)
        rows += [{"scores": scores, "links": {"user": str(item.user_id), "section": str(section), "status": state}}
                 for section, state in item.enrollments]
    urls = pages.urls(request, page.total, page.has_next)
    body = {"rollups": rows, "meta": pages.meta(urls, page.total)}
    if includes:
        body["linked"] = await _linked(ctx, sel, includes, [i.user_id for i in page.items], add_defaults,
                                       with_percents)
    return json_response(body, headers=pages.headers(urls))


async def _linked(ctx, sel, includes, user_ids, add_defaults: bool, with_percents: bool) -> dict:
    percents = await core.selection_rating_percents(ctx, sel) if with_percents and "outcomes" in includes else None
    return await linked(ctx, sel.access.course_id, includes, sel.outcome_ids, user_ids=user_ids,
                        add_defaults=add_defaults, percents=percents)


async def outcome_rollups_csv(ctx, request):
    """The Learning Mastery Gradebook export: one row per student, every selected student in the request's order
    (docs/behaviour.md §3.8, docs/gradebook.md)."""
    q, _, _ = await _query(ctx, request)
    size = ctx.settings.max_page_size
    items, offset = [], 0
    while True:
        page, sel = await core.rollups_page(ctx, q, core.Paging(first=size, offset=offset))
        items += page.items
        if not page.has_next:
            break
        offset += size
    rows = await core.load_all(ctx.loaders.outcome_by_id, sel.outcome_ids)
    links = await asyncio.gather(*(core.outcome_link(ctx, o, q.course_id) for o in sel.outcome_ids))
    paths = await asyncio.gather(*(core.outcome_path(ctx, r.title, link) for r, link in zip(rows, links)))
    scoring = await asyncio.gather(*(core.effective(ctx, r, q.course_id) for r in rows))
    users = await core.load_all(ctx.loaders.user_by_id, [i.user_id for i in items])
    sees = await asyncio.gather(*(core.sees_sis_id(ctx, u.id) for u in users))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = ["Student name", "Student ID", "Student SIS ID"]
    for names in paths:
        path = " > ".join(names)
        header += [f"{path} result", f"{path} mastery points"]
    writer.writerow(header)
    for item, user, sis in zip(items, users, sees):
        scores = dict(item.scores)
        line = [user.name, user.id, user.sis_user_id if sis and user.sis_user_id else "N/A"]
        for outcome_id, e in zip(sel.outcome_ids, scoring):
            score = scores.get(outcome_id)
            line += ["" if score is None or score.score is None else score.score, e.mastery_points]
        writer.writerow(line)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="outcome_rollups.csv"'})
