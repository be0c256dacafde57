"""The REST writes: a teacher's outcome order (docs/behaviour.md §5.2) and a student's rollup recalculation
(docs/behaviour.md §5.3), with Canvas's statuses and bodies."""

from __future__ import annotations

from sqlalchemy import text

from tests.rest.conftest import bad_request, forbidden

ORDER = "courses/1/assign_outcome_order"
ENQUEUE = "enqueue_outcome_rollup_calculation"
OUTCOMES = """{ course(id: 1) { outcomes { id } } }"""


async def linked_outcome_ids(rest, role: str = "teacher") -> list[int]:
    body = await rest.json("courses/1/outcome_rollups", role, {"include[]": "outcomes", "per_page": 1})
    return [o["id"] for o in body["linked"]["outcomes"]]


async def test_assign_outcome_order_reorders_the_viewers_outcomes_only(rest):
    before = await linked_outcome_ids(rest)
    order = [{"outcome_id": o, "position": i} for i, o in enumerate(reversed(before))]
    response = await rest.request("POST", ORDER, json=order)
    assert response.status_code == 204 and response.content == b""
    assert await linked_outcome_ids(rest) == before[::-1]
    graphql = (await rest.api.query(OUTCOMES, as_="teacher"))["course"]["outcomes"]
    assert [int(o["id"]) for o in graphql] == before[::-1]
    assert await linked_outcome_ids(rest, "ta") == before  # each teacher has their own order


async def test_assign_outcome_order_refusals_change_nothing(rest):
    before = await linked_outcome_ids(rest)
    for body, message in (([{"outcome_id": 999, "position": 0}], "Outcomes do not belong to Course"),
                          ([{"outcome_id": "201", "position": 0}], "Outcomes do not belong to Course"),
                          ([{"outcome_id": 201}], None), ({"outcome_id": 201, "position": 0}, None)):
        response = await rest.request("POST", ORDER, json=body)
        assert response.status_code == 400, body
        assert response.json()["status"] == "bad_request"
        if message:
            assert response.json() == bad_request(message)[1]
    response = await rest.request("POST", ORDER, content=b"not json")
    assert response.status_code == 400
    response = await rest.request("POST", ORDER, "student", json=[{"outcome_id": 201, "position": 0}])
    assert (response.status_code, response.json()) == forbidden("insufficient permissions")
    assert await linked_outcome_ids(rest) == before


async def jobs(rest) -> list[tuple]:
    async with rest.api.engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(text("SELECT course_id, user_id FROM rollup_jobs ORDER BY id"))]


async def test_enqueue_outcome_rollup_calculation(rest):
    response = await rest.request("POST", ENQUEUE, params={"course_id": "1", "student_uuid": "101"})
    assert response.status_code == 200
    assert response.json() == {"message": "Rollup calculation enqueued for student 101 in course 1", "type": "student"}
    response = await rest.request("POST", ENQUEUE, json={"course_id": 1, "student_uuid": "sis_user_id:S0102"})
    assert response.status_code == 200 and "student 102" in response.json()["message"]
    response = await rest.request("POST", ENQUEUE, data={"course_id": "1", "student_uuid": "101"})
    assert response.status_code == 200
    assert await jobs(rest) == [(1, 101), (1, 102)]  # the second request for 101 replaced the pending job


async def test_enqueue_refusals(rest):
    for fields in ({}, {"course_id": "1"}, {"student_uuid": "101"}):
        response = await rest.request("POST", ENQUEUE, params=fields)
        assert (response.status_code, response.json()) == (400, {"error": "course id and student uuid are required"})
    for fields in ({"course_id": "999", "student_uuid": "101"}, {"course_id": "1", "student_uuid": "2"},
                   {"course_id": "1", "student_uuid": "118"}, {"course_id": "1", "student_uuid": "not-an-id"}):
        response = await rest.request("POST", ENQUEUE, params=fields)
        assert (response.status_code, response.json()) == (404, {"error": "Invalid course or student"}), fields
    response = await rest.request("POST", ENQUEUE, "student", params={"course_id": "1", "student_uuid": "101"})
    assert (response.status_code, response.json()) == forbidden("insufficient permissions")
    # a section-limited TA: only students of their sections
    response = await rest.request("POST", ENQUEUE, "ta", params={"course_id": "1", "student_uuid": "101"})
    assert response.status_code == 404
    assert await jobs(rest) == []
