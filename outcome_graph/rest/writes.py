"""The two writes Canvas's outcome results API has: a teacher's outcome order and a student's rollup
recalculation (docs/behaviour.md §5.2, §5.3)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

import orjson
from starlette.responses import Response

from outcome_graph.errors import BadUserInput, NotFound
from outcome_graph.rest import core, params
from outcome_graph.rest.errors import RestError, json_response

NOT_IN_COURSE = "Outcomes do not belong to Course"
BAD_ORDER = "the body must be a JSON array of {\"outcome_id\": <integer>, \"position\": <integer>}"
REQUIRED = "course id and student uuid are required"


@dataclass(frozen=True)
class OrderItem:
    outcome_id: int
    position: int


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


async def assign_outcome_order(ctx, request):
    """Body: a raw JSON array of {outcome_id, position}; every outcome_id a JSON integer linked in the course.
    The whole order replaces the viewer's; success renders nothing (204)."""
    course_id = params.path_id(request.path_params["course_id"])
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise RestError(BAD_ORDER) from None
    if not isinstance(body, list) or not all(isinstance(x, dict) for x in body):
        raise RestError(BAD_ORDER)
    if not all(_integer(x.get("outcome_id")) for x in body):
        raise RestError(NOT_IN_COURSE)
    if not all(_integer(x.get("position")) for x in body):
        raise RestError(BAD_ORDER)
    await core.assign_outcome_order(ctx, course_id, [OrderItem(x["outcome_id"], x["position"]) for x in body])
    return Response(status_code=204)


async def _fields(request) -> dict:
    """course_id and student_uuid from the query string, a JSON body or a urlencoded form."""
    found = dict(request.query_params)
    kind = request.headers.get("content-type", "")
    if "json" in kind:
        try:
            body = orjson.loads(await request.body() or b"{}")
        except orjson.JSONDecodeError:
            body = {}
        found.update({k: str(v) for k, v in body.items() if v is not None} if isinstance(body, dict) else {})
    elif kind.startswith("application/x-www-form-urlencoded"):
        found.update(parse_qsl((await request.body()).decode("utf-8", "replace")))
    return found


async def enqueue_outcome_rollup_calculation(ctx, request):
    """Canvas's answers: 400 without both parameters, 404 for an unknown course or student, 200 with a message.
    student_uuid names the student as every user parameter does (we hold no uuids: an id or sis_user_id:X)."""
    fields = await _fields(request)
    course_id, student = fields.get("course_id", "").strip(), fields.get("student_uuid", "").strip()
    if not course_id or not student:
        return json_response({"error": REQUIRED}, 400)
    try:
        job = await core.enqueue_calculation(ctx, course_id, student)
    except (NotFound, BadUserInput):  # an unknown course or student, or a reference that names no one
        return json_response({"error": core.INVALID_COURSE_OR_STUDENT}, 404)
    return json_response({"message": f"Rollup calculation enqueued for student {job.user_id} in course "
                                     f"{job.course_id}", "type": "student"})
