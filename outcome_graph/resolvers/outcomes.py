"""The course's outcome tree: which outcomes, in which order, under which groups (docs/behaviour.md §3.5, §5.2)."""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from outcome_graph.errors import BadUserInput, Mistake, NotFound
from outcome_graph.resolvers.access import visible_alignments
from outcome_graph.rollups import Scoring, effective_scoring, rating_bucket, rating_defaults, rating_levels

BOTH_FILTERS = Mistake(BadUserInput, "outcomeGroupId", "pass outcomeIds or outcomeGroupId, not both",
                       canvas="can't filter by both outcome_ids and outcome_group_id")
NOT_LINKED = Mistake(NotFound, "outcomeIds", "outcomeIds: outcome {id} is not linked in this course",
                     canvas="can only include id's of outcomes in the outcome context")
GROUP_NOT_IN_COURSE = Mistake(NotFound, "outcomeGroupId", "outcomeGroupId: no outcome group {id} in this course",
                              canvas="can only include an outcome group id in the outcome context")


async def ordered_links(ctx, course_id: int) -> list:
    """The course's outcome links in the viewer's saved order, else link order (docs/behaviour.md §5.2)."""
    links = await ctx.loaders.links_by_course.load(course_id)
    viewer = ctx.viewer
    if viewer is None or viewer.user_id is None:
        return links
    order = await ctx.loaders.outcome_order_by_course_user.load((course_id, viewer.user_id))
    if not order:
        return links
    position = {o.outcome_id: i for i, o in enumerate(order)}
    last = len(position)
    # Outcomes without a saved position follow, in link order (a stable sort keeps it).
    return sorted(links, key=lambda link: position.get(link.outcome_id, last))


async def select_outcome_ids(ctx, course_id: int, outcome_ids: Collection[int] | None,
                             group_id: int | None, *, ordered: bool = True) -> list[int]:
    """Selected outcome ids, validated in Canvas's order (docs/behaviour.md §3.5); in display order when `ordered`."""
    if outcome_ids is not None and group_id is not None:
        raise BOTH_FILTERS()
    links = await (ordered_links(ctx, course_id) if ordered else ctx.loaders.links_by_course.load(course_id))
    if group_id is not None:
        groups = await ctx.loaders.groups_by_course.load(course_id)
        if all(g.id != group_id for g in groups):
            raise GROUP_NOT_IN_COURSE(id=group_id)
        return [link.outcome_id for link in links if link.group_id == group_id]
    if outcome_ids is not None:
        linked = {link.outcome_id for link in links}
        wanted = set(outcome_ids)
        if not wanted <= linked:
            raise NOT_LINKED(id=min(wanted - linked))
        return [link.outcome_id for link in links if link.outcome_id in wanted]
    return [link.outcome_id for link in links]


async def outcome_link(ctx, outcome_id: int, course_id: int | None):
    """The link placing an outcome in a course; None without a course (see access.outcome_scope)."""
    if course_id is None:
        return None
    for link in await ctx.loaders.links_by_outcome.load(outcome_id):
        if link.course_id == course_id:
            return link
    return None


async def outcome_path(ctx, title: str, link) -> list[str]:
    """Group titles from below the root group down to the outcome, then its title (docs/behaviour.md §3.5)."""
    if link is None or link.group_id is None:
        return [title]
    groups = {g.id: g for g in await ctx.loaders.groups_by_course.load(link.course_id)}
    names: list[str] = []
    group = groups.get(link.group_id)
    while group is not None and group.parent_id is not None:
        names.append(group.title)
        group = groups.get(group.parent_id)
    names.reverse()
    names.append(title)
    return names


async def outcome_alignments(ctx, outcome_id: int, course_id: int | None) -> list:
    """Active alignments of an outcome in the course it is shown in, those the viewer may see."""
    if course_id is None:
        return []
    rows = await ctx.loaders.alignments_by_course_outcome.load((course_id, outcome_id))
    return await visible_alignments(ctx, course_id, rows)


def levels(e: Scoring, add_defaults: bool = False) -> list[Level]:
    """The rating levels in effect, highest first, each saying whether it is the mastery level and its colour
    (docs/gradebook.md): a course scale's stored flags; else Canvas's add_defaults rule when asked, else the
    level where mastery begins and the stored colour or Canvas's default."""
    if e.from_course_scale:
        return scale_levels(e.ratings)
    points = e.rating_points
    if add_defaults:
        flags = rating_defaults(points, e.mastery_points)
    else:
        flags = rating_levels(points, e.mastery_points, [r.get("color") for r in e.ratings])
    return [Level(r["description"], r["points"], m, c) for r, (m, c) in zip(e.ratings, flags)]


def level_of(e: Scoring, score: float | None) -> Level | None:
    """The level a rolled-up score falls in (docs/gradebook.md); None for no score or below every level."""
    i = rating_bucket(score, e.rating_points)
    return None if i is None else levels(e)[i]


class Level(NamedTuple):
    description: str
    points: float
    mastery: bool
    color: str | None


def scale_levels(ratings: list) -> list[Level]:
    """A course mastery scale's levels keep their stored mastery flag and colour (docs/gradebook.md)."""
    return [Level(r["description"], r["points"], bool(r.get("mastery")), r.get("color")) for r in ratings]


async def effective(ctx, row, course_id: int | None) -> Scoring:
    """The outcome's scoring in the course it was reached through (rollups.effective_scoring)."""
    scale = method = None
    if course_id is not None:
        scale, method = await ctx.loaders.overrides_by_course.load(course_id)
    return effective_scoring(row, scale, method)
