"""`include[]` -> the `linked` object of results and rollups (docs/behaviour.md §3.5, docs/rest-api.md)."""

from __future__ import annotations

import asyncio

from outcome_graph.rest import core, shapes

COMMON = ("alignments", "outcomes", "outcomes.alignments", "outcome_groups", "outcome_links", "outcome_paths",
          "users")
RESULT_INCLUDES = (*COMMON, "assignments")
ROLLUP_INCLUDES = (*COMMON, "courses")


async def _course_alignments(ctx, course_id: int, outcome_ids: list[int]) -> list:
    """The visible aligned things of the outcomes in the course, each once, in outcome order."""
    per_outcome = await asyncio.gather(*(core.outcome_alignments(ctx, o, course_id) for o in outcome_ids))
    rows = [a for alignments in per_outcome for a in alignments]
    assets = await core.load_all(ctx.loaders.asset_by_id, list(dict.fromkeys(a.asset_id for a in rows)))
    return assets


async def linked(ctx, course_id: int, includes: list[str], outcome_ids: list[int], *, user_ids=(), assets=None,
                 add_defaults: bool = False, percents: dict[int, list[int]] | None = None) -> dict:
    """What include[] asks for. `assets`: the aligned things of the results shown (results' `alignments`);
    without them, `alignments` lists those of the selected outcomes."""
    out: dict = {}
    if "outcomes" in includes:
        out["outcomes"] = await shapes.outcomes_json(ctx, course_id, outcome_ids, add_defaults=add_defaults,
                                                     percents=percents)
    if "alignments" in includes:
        shown = assets if assets is not None else await _course_alignments(ctx, course_id, outcome_ids)
        out["alignments"] = [shapes.alignment_json(a) for a in shown]
    if "assignments" in includes:
        out["assignments"] = [shapes.alignment_json(a) for a in assets or () if a.type in core.ASSIGNMENT_TYPES]
    if "outcomes.alignments" in includes:
        out["outcomes.alignments"] = [shapes.alignment_json(a)
                                      for a in await _course_alignments(ctx, course_id, outcome_ids)]
    groups = {g.id: g for g in await ctx.loaders.groups_by_course.load(course_id)} \
        if {"outcome_groups", "outcome_links"} & set(includes) else {}
    if "outcome_groups" in includes:
        out["outcome_groups"] = [shapes.group_json(g, groups) for g in groups.values()]
    if "outcome_links" in includes or "outcome_paths" in includes:
        rows = await core.load_all(ctx.loaders.outcome_by_id, outcome_ids)
        links = await asyncio.gather(*(core.outcome_link(ctx, o, course_id) for o in outcome_ids))
        if "outcome_links" in includes:
            abbreviated = await asyncio.gather(*(shapes.outcome_json(ctx, r, course_id, abbreviated=True)
                                                 for r in rows))
            out["outcome_links"] = [shapes.link_json(link, o, groups) for link, o in zip(links, abbreviated)]
        if "outcome_paths" in includes:
            paths = await asyncio.gather(*(core.outcome_path(ctx, r.title, link) for r, link in zip(rows, links)))
            out["outcome_paths"] = [{"id": r.id, "parts": [{"name": n} for n in names]}
                                    for r, names in zip(rows, paths)]
    if "users" in includes:
        out["users"] = await shapes.users_json(ctx, list(user_ids))
    if "courses" in includes:
        course = await ctx.loaders.course_by_id.load(course_id)
        out["courses"] = [{"id": str(course.id), "name": course.name}]
    return out
