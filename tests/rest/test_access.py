"""The role matrix of tests/api/test_permissions.py run against REST: every role of the demo course reads exactly
the students, results and scores it may (no leak), and is refused only where GraphQL refuses it too (no false
refusal), with Canvas's status and text (docs/access.md, docs/rest-api.md)."""

from __future__ import annotations

from datetime import datetime

import pytest

from outcome_graph.db.tokens import create_token
from tests.api.test_permissions import (C, INSUFFICIENT, NO_ALL_GRADES, NOT_AUTHORIZED_GRADES, ROLES, SELF,
                                        aggregate_of, other_student, results_of)
from tests.api.test_rollups_api import expected_nodes
from tests.rest.conftest import NOT_FOUND, forbidden

HIDDEN_FOR_GRADERS = forbidden("include_hidden is only available to users who can view all grades")


@pytest.fixture
async def roles(rest):
    rest.api.tokens["hidden_results"] = await create_token(rest.api.engine, user_id=103)
    rest.api.tokens["unposted_results"] = await create_token(rest.api.engine, user_id=121)
    rest.api.tokens["bad_token"] = "not-a-token"
    return rest


def refusal_of(want) -> tuple | str:
    """A GraphQL refusal of the permission tests as REST answers it."""
    if want == "UNAUTHENTICATED":
        return 401
    message, code = want
    return NOT_FOUND if code == "NOT_FOUND" else forbidden(message)


async def ask(rest, role: str, path: str, params: dict):
    response = await rest.get(path, None if role == "anonymous" else role, params)
    if response.status_code == 401:
        return 401
    if response.status_code != 200:
        return response.status_code, response.json()
    return response.json()


def users_param(users: list[int]) -> dict:
    return {"user_ids[]": [str(u) for u in users] or [""]}  # `user_ids[]=`: an empty list, as GraphQL's []


async def test_outcome_results(roles):
    for role, (kind, readable) in ROLES.items():
        got = {}
        for name, params in (("all", {}), ("hidden", {"include_hidden": "true", **users_param(readable)}),
                             ("theirs", users_param(readable)), ("other", users_param([other_student(readable)]))):
            body = await ask(roles, role, "courses/1/outcome_results", {**params, "per_page": 100})
            got[name] = [str(r["id"]) for r in body["outcome_results"]] if isinstance(body, dict) else body
        if kind == "grader":
            want = {"all": results_of(readable, grader=True),
                    "hidden": results_of(readable, grader=True, hidden=True),
                    "theirs": results_of(readable, grader=True),
                    "other": results_of([102], grader=True) if 102 in readable
                    else refusal_of(NOT_AUTHORIZED_GRADES)}
        elif kind == "reader":
            want = {"all": refusal_of(NO_ALL_GRADES), "hidden": HIDDEN_FOR_GRADERS,
                    "theirs": results_of(readable, grader=False), "other": refusal_of(NOT_AUTHORIZED_GRADES)}
        else:
            want = dict.fromkeys(got, 401 if kind == "unauthenticated" else NOT_FOUND)
        assert got == want, role
    for role, uid in SELF.items():
        body = await ask(roles, role, "courses/1/outcome_results", {"user_ids[]": "self", "per_page": 100})
        assert [str(r["id"]) for r in body["outcome_results"]] == results_of([uid], grader=False), role


def nodes_of(rows: list[dict]) -> list[dict]:
    """REST rows (one per section enrollment) as the permission tests' rollup nodes, scores by outcome id."""
    nodes: dict[str, dict] = {}
    for r in rows:
        node = nodes.setdefault(r["links"]["user"], {"user": {"id": r["links"]["user"]}, "sections": [], "scores": [
            (s["links"]["outcome"], (s["score"], s["count"], s["title"],
                                     None if s["submitted_at"] is None else datetime.fromisoformat(s["submitted_at"]),
                                     s["hide_points"])) for s in r["scores"]]})
        node["sections"].append({"id": r["links"]["section"]})
    return list(nodes.values())


def by_outcome_id(nodes):
    return nodes if not isinstance(nodes, list) else [{**n, "scores": sorted(n["scores"])} for n in nodes]


async def test_outcome_rollups(roles):
    outcomes = C.outcome_ids()
    for role, (kind, readable) in ROLES.items():
        got = {}
        for name, params in (("all", {}), ("theirs", users_param(readable)),
                             ("other", users_param([other_student(readable)]))):
            body = await ask(roles, role, "courses/1/outcome_rollups", {**params, "per_page": 100})
            got[name] = nodes_of(body["rollups"]) if isinstance(body, dict) else body
        if kind in ("grader", "reader"):
            grader = kind == "grader"
            sections = {u: [11] for u in readable} if role == "ta" else None
            theirs = expected_nodes(C, readable, outcomes, grader=grader, sections=sections)
            other = expected_nodes(C, [102], outcomes) if 102 in readable else refusal_of(NOT_AUTHORIZED_GRADES)
            want = {"all": theirs if grader else refusal_of(NO_ALL_GRADES), "theirs": theirs, "other": other}
        else:
            want = dict.fromkeys(got, 401 if kind == "unauthenticated" else NOT_FOUND)
        assert {k: by_outcome_id(v) for k, v in got.items()} == {k: by_outcome_id(v) for k, v in want.items()}, role


async def test_outcome_rollup_aggregate(roles):
    for role, (kind, readable) in ROLES.items():
        got = {}
        for name, params in (("all", {}), ("theirs", users_param(readable)),
                             ("other", users_param([other_student(readable)]))):
            body = await ask(roles, role, "courses/1/outcome_rollups", {**params, "aggregate": "course"})
            got[name] = [(s["links"]["outcome"], s["score"], s["count"]) for s in body["rollups"][0]["scores"]] \
                if isinstance(body, dict) else body
        if kind in ("grader", "reader"):
            def scores(users, grader):
                return sorted((o, s[0], s[1]) for o, s in aggregate_of(users, grader))

            theirs = scores(readable, kind == "grader")
            want = {"all": theirs if kind == "grader" else refusal_of(NO_ALL_GRADES), "theirs": theirs,
                    "other": scores([102], True) if 102 in readable else refusal_of(NOT_AUTHORIZED_GRADES)}
        else:
            want = dict.fromkeys(got, 401 if kind == "unauthenticated" else NOT_FOUND)
        assert got == want, role


async def test_contributing_scores_and_writes_are_for_graders_only(roles):
    for role, (kind, readable) in ROLES.items():
        for params in ({}, users_param(readable)):
            body = await ask(roles, role, "courses/1/outcomes/204/contributing_scores", params)
            if kind == "grader":
                assert isinstance(body, dict) and {int(s["user_id"]) for s in body["scores"]} <= set(readable), role
            else:
                assert body == (refusal_of(INSUFFICIENT) if kind == "reader" else
                                401 if kind == "unauthenticated" else NOT_FOUND), role
        order = await roles.request("POST", "courses/1/assign_outcome_order", None if role == "anonymous" else role,
                                    json=[{"outcome_id": 201, "position": 0}])
        assert order.status_code == {"grader": 400 if role == "admin" else 204, "reader": 403,
                                     "outsider": 404, "unauthenticated": 401}[kind], role


async def test_course_and_outcome_reads(roles):
    """Members read the course and its outcome tree; outsiders get the 404 an unknown course gets."""
    for role, (kind, _) in ROLES.items():
        for path in ("courses/1", "courses/1/root_outcome_group", "courses/1/outcome_groups",
                     "courses/1/outcome_groups/2/outcomes", "outcomes/201"):
            body = await ask(roles, role, path, {})
            if kind in ("grader", "reader"):
                assert isinstance(body, (dict, list)) and body, (role, path)
            else:
                assert body == (401 if kind == "unauthenticated" else NOT_FOUND), (role, path)
        if kind in ("grader", "reader"):
            sis = (await ask(roles, role, "courses/1", {}))["sis_course_id"]
            assert (sis is not None) == (kind == "grader"), role
