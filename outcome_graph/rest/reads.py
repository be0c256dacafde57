"""The reads clients make around results and rollups: a course, an outcome, a course's outcome groups and the
outcomes linked in one (docs/rest-api.md). Who may see them is the core's to say."""

from __future__ import annotations

from outcome_graph.errors import NotFound
from outcome_graph.rest import core, params, shapes
from outcome_graph.rest.errors import RESOURCE_NOT_FOUND, json_response
from outcome_graph.rest.pagination import Pages


async def course(ctx, request):
    course_id = params.path_id(request.path_params["course_id"])
    access = await core.course_access(ctx, course_id)
    row = await ctx.loaders.course_by_id.load(course_id)
    return json_response(shapes.course_json(row, sees_sis=access.grader))


async def outcome(ctx, request):
    row, course_id = await core.visible_outcome(ctx, request.path_params["outcome_id"], strict=True)
    return json_response(await shapes.outcome_json(ctx, row, course_id))


async def _groups(ctx, request) -> tuple[int, dict]:
    course_id = params.path_id(request.path_params["course_id"])
    await core.course_access(ctx, course_id)
    return course_id, {g.id: g for g in await ctx.loaders.groups_by_course.load(course_id)}


def _group(groups: dict, raw_id: str):
    group = groups.get(params.path_id(raw_id))
    if group is None:
        raise NotFound(RESOURCE_NOT_FOUND)
    return group


def _paged(request, ctx, items: list) -> tuple[list, dict]:
    """A short list (a course's groups, a group's links) cut into Canvas's numbered pages."""
    pages = Pages.read(request.query_params, ctx.settings.max_page_size)
    start = (pages.page - 1) * pages.per_page
    shown = items[start:start + pages.per_page]
    urls = pages.urls(request, len(items), start + pages.per_page < len(items))
    return shown, pages.headers(urls)


async def root_outcome_group(ctx, request):
    _, groups = await _groups(ctx, request)
    root = next((g for g in groups.values() if g.parent_id is None), None)
    if root is None:
        raise NotFound(RESOURCE_NOT_FOUND)
    return json_response(shapes.group_json(root, groups))


async def outcome_groups(ctx, request):
    _, groups = await _groups(ctx, request)
    shown, headers = _paged(request, ctx, list(groups.values()))
    return json_response([shapes.group_json(g, groups) for g in shown], headers=headers)


async def outcome_group(ctx, request):
    _, groups = await _groups(ctx, request)
    return json_response(shapes.group_json(_group(groups, request.path_params["group_id"]), groups))


async def group_outcomes(ctx, request):
    """The outcome links directly in a group, in link order."""
    course_id, groups = await _groups(ctx, request)
    group = _group(groups, request.path_params["group_id"])
    links = [link for link in await ctx.loaders.links_by_course.load(course_id) if link.group_id == group.id]
    shown, headers = _paged(request, ctx, links)
    rows = await core.load_all(ctx.loaders.outcome_by_id, [link.outcome_id for link in shown])
    body = [shapes.link_json(link, await shapes.outcome_json(ctx, row, course_id, abbreviated=True), groups)
            for link, row in zip(shown, rows)]
    return json_response(body, headers=headers)
