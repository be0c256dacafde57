"""How the selected students' rollups spread over each outcome's rating levels: mastery distributions and the
rating percents of a rollup page's outcomes (docs/behaviour.md §4.4, §5.4)."""

from __future__ import annotations

from dataclasses import dataclass

from outcome_graph.resolvers.access import require_grader
from outcome_graph.resolvers.inputs import RollupQuery
from outcome_graph.resolvers.outcomes import effective, levels
from outcome_graph.resolvers.rollups import Selection, outcome_score_lists, select_for_rollups
from outcome_graph.rollups import rating_bucket, rating_percents


@dataclass
class RatingBucket:
    """The students whose rollup falls in one rating level."""

    description: str
    points: float
    color: str | None
    student_ids: list[int]


@dataclass
class Distribution:
    """One outcome's buckets, highest rating first; total_students counts every non-null score, bucketed or not."""

    outcome_id: int
    course_id: int
    ratings: list[RatingBucket]
    total_students: int


async def mastery_distributions(ctx, q: RollupQuery, add_defaults: bool) -> list[Distribution]:
    """Per selected outcome, how many students' rollups fall in each rating (graders only)."""
    await require_grader(ctx, q.course_id)
    sel = await select_for_rollups(ctx, q)
    lists = await outcome_score_lists(ctx, sel)
    out = []
    for row in await ctx.loaders.outcome_by_id.load_many(sel.outcome_ids):
        e = await effective(ctx, row, sel.access.course_id)
        points = [r["points"] for r in e.ratings]
        buckets: list[list[int]] = [[] for _ in e.ratings]
        total = 0
        for uid, score in lists.get(row.id, []):
            if score is None:
                continue
            total += 1
            i = rating_bucket(score, points)
            if i is not None:
                buckets[i].append(uid)
        out.append(Distribution(row.id, sel.access.course_id, [
            RatingBucket(r["description"], r["points"], level.color, b)
            for r, level, b in zip(e.ratings, levels(e, add_defaults), buckets)], total))
    return out


async def selection_rating_percents(ctx, sel: Selection) -> dict[int, list[int]]:
    """Per selected outcome, the share of all selected students (not one page) in each rating, highest first."""
    lists = await outcome_score_lists(ctx, sel)
    out = {}
    for row in await ctx.loaders.outcome_by_id.load_many(sel.outcome_ids):
        points = [r["points"] for r in (await effective(ctx, row, sel.access.course_id)).ratings]
        out[row.id] = rating_percents([s for _, s in lists.get(row.id, [])], points)
    return out
