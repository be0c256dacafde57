"""GET courses/:course_id/outcomes/:outcome_id/contributing_scores (docs/behaviour.md §5.1)."""

from __future__ import annotations

from outcome_graph.rest import core, params
from outcome_graph.rest.errors import RestError, json_response
from outcome_graph.rest.shapes import iso

NOT_IN_CONTEXT = "outcome not found in this context"


async def contributing_scores(ctx, request):
    p = request.query_params
    course_id = params.path_id(request.path_params["course_id"])
    users = params.user_ids(p)
    await core.require_grader(ctx, course_id)  # Canvas: permissions before the outcome (docs/behaviour.md §5.1)
    params.refuse_extensions(p)
    raw = request.path_params["outcome_id"]
    if not (raw.isascii() and raw.isdigit()):
        raise RestError(NOT_IN_CONTEXT)
    q = core.ContributingQuery(course_id, core.parse_id(raw, "outcome_id"), users,
                               params.flag(p, "only_assignment_alignments"),
                               params.flag(p, "show_unpublished_assignments"))
    found = await core.contributing_scores(ctx, q)
    outcome = await ctx.loaders.outcome_by_id.load(found.outcome_id)
    return json_response({
        "outcome": {"id": str(outcome.id), "title": outcome.title},
        "alignments": [{"alignment_id": a.alignment_id, "associated_asset_id": str(a.asset.id),
                        "associated_asset_name": a.asset.name,
                        "associated_asset_type": core.ASSET_TYPE_NAMES[a.asset.type], "html_url": a.asset.html_url}
                       for a in found.alignments],
        "scores": [{"user_id": str(uid), "alignment_id": found.labels[aid], "score": score,
                    "submitted_or_assessed_at": iso(at)} for uid, aid, score, at in found.scores]})
