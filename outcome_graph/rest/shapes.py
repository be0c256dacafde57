"""The core's rows and scores written in Canvas's JSON shapes (docs/behaviour.md §2.6, §3.2, §3.5, §7).

Ids in `links` and in linked users, courses and alignments are strings; the top-level ids of results,
outcomes and groups are numbers, as Canvas sends them.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from outcome_graph.rest import core

API = "/api/v1"


def iso(value: datetime | str | None) -> str | None:
    """A stored time as Canvas writes it: ISO 8601 in UTC, to the second."""
    value = core.utc(value)
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def result_json(row, asset) -> dict:
    assignment = core.asset_string(asset) if asset.type in core.ASSIGNMENT_TYPES else None
    return {"id": row.id, "score": row.score, "mastery": row.mastery, "possible": row.possible,
            "percent": row.percent, "hide_points": bool(row.hide_points), "hidden": bool(row.hidden),
            "submitted_or_assessed_at": iso(row.submitted_at or row.assessed_at),
            "links": {"user": str(row.user_id), "learning_outcome": str(row.outcome_id),
                      "alignment": core.asset_string(asset), "assignment": assignment}}


def score_json(outcome_id: int, s) -> dict:
    return {"score": s.score, "title": s.title, "submitted_at": iso(s.submitted_at), "count": s.count,
            "hide_points": bool(s.hide_points), "links": {"outcome": str(outcome_id)}}


def scores_json(scores) -> list[dict]:
    """A rollup's scores in outcome id order (docs/behaviour.md §3.2)."""
    return [score_json(o, s) for o, s in sorted(scores, key=lambda pair: pair[0])]


def alignment_json(asset) -> dict:
    return {"id": core.asset_string(asset), "name": asset.name, "html_url": asset.html_url}


def course_json(row, sees_sis: bool) -> dict:
    return {"id": row.id, "name": row.name, "course_code": row.name, "workflow_state": "available",
            "sis_course_id": row.sis_course_id if sees_sis else None}


def group_url(course_id: int, group_id: int) -> str:
    return f"{API}/courses/{course_id}/outcome_groups/{group_id}"


def group_json(group, groups_by_id: dict, *, abbreviated: bool = False) -> dict:
    url = group_url(group.course_id, group.id)
    out = {"id": group.id, "title": group.title, "vendor_guid": None, "url": url,
           "subgroups_url": f"{url}/subgroups", "outcomes_url": f"{url}/outcomes", "can_edit": False}
    if abbreviated:
        return out
    parent = groups_by_id.get(group.parent_id)
    out.update(import_url=f"{url}/import", context_id=group.course_id, context_type="Course", description=None)
    if parent is not None:
        out["parent_outcome_group"] = group_json(parent, groups_by_id, abbreviated=True)
    return out


def outcome_url(outcome_id: int) -> str:
    return f"{API}/outcomes/{outcome_id}"


async def outcome_json(ctx, row, course_id: int | None, *, add_defaults: bool = False,
                       percents: list[int] | None = None, abbreviated: bool = False) -> dict:
    """Canvas's outcome JSON, scored as the course scores it (its scale and method win, docs/behaviour.md §4.2);
    the method is the name the core stores, whichever it is."""
    out = {"id": row.id, "context_type": "Course" if course_id is not None else None, "context_id": course_id,
           "vendor_guid": row.vendor_guid, "display_name": row.display_name, "title": row.title,
           "url": outcome_url(row.id), "can_edit": False}
    if abbreviated:
        return out
    e = await core.effective(ctx, row, course_id)
    if e.from_course_scale or add_defaults:  # Canvas adds mastery and colour only then (docs/behaviour.md §3.7)
        ratings = [{"description": level.description, "points": level.points, "mastery": level.mastery,
                    "color": level.color} for level in core.levels(e, add_defaults)]
    else:
        ratings = [{"description": r["description"], "points": r["points"]} for r in e.ratings]
    for rating, percent in zip(ratings, percents or []):
        rating["percent"] = percent
    link = await core.outcome_link(ctx, row.id, course_id)
    alignments = await core.outcome_alignments(ctx, row.id, course_id)
    assets = await core.load_all(ctx.loaders.asset_by_id, [a.asset_id for a in alignments])
    out.update(has_updateable_rubrics=False, description=row.description, points_possible=e.points_possible,
               mastery_points=e.mastery_points, ratings=ratings, calculation_method=e.method)
    if e.calc_int is not None:
        out["calculation_int"] = e.calc_int
    out["alignments"] = [core.asset_string(a) for a in assets if a.published and a.type in core.ASSIGNMENT_TYPES]
    out["group_id"] = None if link is None else link.group_id
    return out


async def outcomes_json(ctx, course_id: int, outcome_ids: list[int], *, add_defaults: bool = False,
                        percents: dict[int, list[int]] | None = None) -> list[dict]:
    """The outcomes in the order given; their links, alignments and assets read together (one batch each)."""
    rows = await core.load_all(ctx.loaders.outcome_by_id, outcome_ids)
    return list(await asyncio.gather(*(
        outcome_json(ctx, row, course_id, add_defaults=add_defaults, percents=(percents or {}).get(row.id))
        for row in rows)))


def link_json(link, outcome: dict, groups_by_id: dict) -> dict:
    group = groups_by_id.get(link.group_id)
    return {"context_id": link.course_id, "context_type": "Course",
            "url": f"{group_url(link.course_id, link.group_id)}/outcomes/{link.outcome_id}",
            "outcome_group": None if group is None else group_json(group, groups_by_id, abbreviated=True),
            "outcome": outcome, "assessed": False, "can_unlink": False}


async def user_json(ctx, row) -> dict:
    sees = await core.sees_sis_id(ctx, row.id)
    return {"id": str(row.id), "name": row.name, "display_name": row.name, "sortable_name": row.sortable_name,
            "avatar_url": None, "sis_id": row.sis_user_id if sees else None, "integration_id": None,
            "login_id": row.login_id if sees else None}


async def users_json(ctx, user_ids: list[int]) -> list[dict]:
    rows = await core.load_all(ctx.loaders.user_by_id, user_ids)
    return list(await asyncio.gather(*(user_json(ctx, row) for row in rows)))
