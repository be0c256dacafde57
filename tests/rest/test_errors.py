"""Every refusal of the REST API with Canvas's status and body (docs/behaviour.md §3.9, docs/rest-api.md): the
caller's mistakes as `{"status", "message"}`, in Canvas's order of checks; unknown things as Canvas's 404."""

from __future__ import annotations

import pytest

from tests.rest.conftest import NOT_FOUND, bad_request, forbidden

ROLLUPS = "courses/1/outcome_rollups"
RESULTS = "courses/1/outcome_results"


@pytest.mark.parametrize("params, message", [
    ({"aggregate": "section"}, "invalid aggregate parameter value"),
    ({"aggregate": "course", "aggregate_stat": "mode"}, "invalid aggregate_stat parameter value"),
    ({"sort_by": "grade"}, "invalid sort_by parameter value"),
    ({"sort_by": "student", "sort_order": "up"}, "invalid sort_order parameter value"),
    ({"sort_by": "outcome"}, "missing required sort_outcome_id parameter value"),
    ({"sort_by": "outcome", "sort_outcome_id": "20x"}, "invalid sort_outcome_id parameter value"),
    ({"include[]": "courses"}, "can't include courses unless aggregate is 'course'"),
    ({"include[]": "users", "aggregate": "course"}, "can't include users unless aggregate is not set"),
    ({"include[]": "grades"}, "invalid include: grades"),
    ({"outcome_ids[]": "201", "outcome_group_id": "2"}, "can't filter by both outcome_ids and outcome_group_id"),
    ({"outcome_ids[]": "999"}, "can only include id's of outcomes in the outcome context"),
    ({"outcome_ids[]": "abc"}, "can only include id's of outcomes in the outcome context"),
    ({"outcome_group_id": "999"}, "can only include an outcome group id in the outcome context"),
    ({"user_ids[]": "101", "section_id": "10"}, "cannot specify both user_ids and section_id"),
    ({"user_ids[]": "1"}, "can only include id's of users in the outcome context"),
    ({"user_ids[]": "sis_user_id:nobody"}, "can only include id's of users in the outcome context"),
    ({"user_ids[]": "uuid:x y"}, "can only include id's of users in the outcome context"),
    ({"section_id": "99"}, "invalid section id"),
    ({"section_id": "ten"}, "invalid section id"),
    # Our GraphQL extensions have no Canvas parameter: refused, never silently ignored.
    ({"as_of": "2026-10-01T00:00:00Z"}, "invalid as_of parameter value"),
    ({"window[from]": "2026-09-01"}, "invalid window[from] parameter value"),
    ({"window[to]": "2026-12-01"}, "invalid window[to] parameter value"),
    ({"from": "2026-09-01"}, "invalid from parameter value"),
    ({"to": "2026-09-01"}, "invalid to parameter value"),
])
async def test_rollup_mistakes(rest, params, message):
    assert await rest.refusal(ROLLUPS, params=params) == bad_request(message)


async def test_the_order_of_checks_is_canvass(rest):
    # permissions before everything else; then aggregate, aggregate_stat, sort, include, outcomes, users
    assert await rest.refusal(ROLLUPS, "student", {"aggregate": "x", "include[]": "nope"}) == \
        forbidden("users not specified and no access to all grades")
    assert await rest.refusal(ROLLUPS, params={"aggregate": "x", "aggregate_stat": "x"}) == \
        bad_request("invalid aggregate parameter value")
    assert await rest.refusal(ROLLUPS, params={"aggregate_stat": "x", "sort_by": "x"}) == \
        bad_request("invalid aggregate_stat parameter value")
    assert await rest.refusal(ROLLUPS, params={"sort_by": "x", "include[]": "x"}) == \
        bad_request("invalid sort_by parameter value")
    assert await rest.refusal(ROLLUPS, params={"include[]": "x", "outcome_ids[]": "999"}) == \
        bad_request("invalid include: x")
    assert await rest.refusal(ROLLUPS, params={"outcome_ids[]": "999", "section_id": "99"}) == \
        bad_request("can only include id's of outcomes in the outcome context")


async def test_result_mistakes(rest):
    assert await rest.refusal(RESULTS, params={"include[]": "courses"}) == bad_request("invalid include: courses")
    assert await rest.refusal(RESULTS, "student", {"user_ids[]": "self", "include_hidden": "true"}) == \
        forbidden("include_hidden is only available to users who can view all grades")
    assert await rest.refusal(RESULTS, params={"as_of": "2026-01-01"}) == \
        bad_request("invalid as_of parameter value")
    assert await rest.refusal(RESULTS, params={"outcome_group_id": "999"}) == \
        bad_request("can only include an outcome group id in the outcome context")


async def test_permissions(rest):
    assert await rest.refusal(RESULTS, "student") == forbidden("users not specified and no access to all grades")
    assert await rest.refusal(ROLLUPS, "student", {"user_ids[]": "102"}) == \
        forbidden("not authorized to read grades for specified users")
    assert await rest.refusal("courses/1/outcomes/201/contributing_scores", "student") == \
        forbidden("insufficient permissions")
    assert await rest.refusal("courses/1/outcomes/999/contributing_scores") == \
        bad_request("outcome not found in this context")
    assert await rest.refusal("courses/1/outcomes/x/contributing_scores") == \
        bad_request("outcome not found in this context")


async def test_unknown_things_and_tokens(rest):
    for path in ("courses/999/outcome_rollups", "courses/abc", "outcomes/999", "courses/1/outcome_groups/999",
                 "courses/1/outcome_groups/999/outcomes", "courses/1/nothing", "no/such/route"):
        assert await rest.refusal(path) == NOT_FOUND, path
    status, body = await rest.refusal(ROLLUPS, role=None)
    assert status == 401 and body["status"] == "unauthenticated" and body["errors"][0]["message"]
    response = await rest.get(ROLLUPS, role="not-a-token")
    assert response.status_code == 401 and response.json()["errors"] == [{"message": "Invalid access token."}]
    assert "WWW-Authenticate" in response.headers  # canvasapi's InvalidAccessToken
    response = await rest.request("DELETE", "courses/1")
    assert response.status_code == 404 and response.json() == NOT_FOUND[1]


async def test_asgi_refusals_answer_in_canvas_shape(rest):
    response = await rest.get(ROLLUPS, params={"user_ids[]": ["101"] * 3000})
    assert response.status_code == 431
    assert response.json() == {"status": "request_header_fields_too_large", "message": response.json()["message"]}
    response = await rest.request("POST", "courses/1/assign_outcome_order", content=b"[" + b" " * 1_100_000 + b"]")
    assert response.status_code == 413 and response.json()["status"] == "payload_too_large"

    async def streamed():  # no Content-Length: the limit trips while the handler reads
        for _ in range(11):
            yield b" " * 100_000

    response = await rest.request("POST", "courses/1/assign_outcome_order", content=streamed())
    assert response.status_code == 413 and response.json()["status"] == "payload_too_large"
    graphql = await rest.api.client.post("/graphql", content=b" " * 1_100_000)
    assert graphql.status_code == 413 and graphql.json()["errors"][0]["extensions"]["limit"] == "bodyBytes"
