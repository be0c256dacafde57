"""GET courses/:course_id/outcome_results (docs/behaviour.md §2.6)."""

from __future__ import annotations

from outcome_graph.rest import core, params
from outcome_graph.rest.errors import json_response
from outcome_graph.rest.linked import RESULT_INCLUDES, linked
from outcome_graph.rest.pagination import Pages
from outcome_graph.rest.shapes import result_json


async def outcome_results(ctx, request):
    p = request.query_params
    course_id = params.path_id(request.path_params["course_id"])
    users = params.user_ids(p)
    await core.check_permissions(ctx, course_id, users)
    params.refuse_extensions(p)
    includes = params.includes(p, RESULT_INCLUDES)
    q = core.ResultQuery(course_id, user_ids=users, outcome_ids=params.outcome_ids(p),
                         outcome_group_id=params.outcome_group_id(p), section_id=params.section_id(p),
                         include_hidden=params.flag(p, "include_hidden"))
    pages = Pages.read(p, ctx.settings.max_page_size)
    page = await core.outcome_results_page(ctx, q, pages.paging)
    # The page's alignments and assets came with it (the core primes them): no statement per result.
    alignments = await core.load_all(ctx.loaders.alignment_by_id, [r.alignment_id for r in page.items])
    assets = await core.load_all(ctx.loaders.asset_by_id, [a.asset_id for a in alignments])
    body: dict = {"outcome_results": [result_json(r, a) for r, a in zip(page.items, assets)]}
    if includes:
        outcome_ids = await core.select_outcome_ids(ctx, course_id, q.outcome_ids, q.outcome_group_id)
        shown = list({a.id: a for a in assets}.values())
        body["linked"] = await linked(ctx, course_id, includes, outcome_ids, assets=shown,
                                      user_ids=list(dict.fromkeys(r.user_id for r in page.items)))
    urls = pages.urls(request, await core.total_of(page), page.has_next)
    return json_response(body, headers=pages.headers(urls))
