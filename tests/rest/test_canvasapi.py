"""The real client: canvasapi (which nobody here wrote) pointed at a live server reads results, rollups and the
outcome tree as it would from Canvas, and every number equals the GraphQL answer for the same viewer
(docs/rest-api.md). canvasapi is synchronous: it runs in a thread while the server serves in this loop."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from canvasapi import Canvas
from canvasapi.exceptions import BadRequest, Forbidden, InvalidAccessToken

from outcome_graph.app import create_app
from outcome_graph.settings import Settings
from tests.api.live import demo_tokens, serving

# A loopback test server speaks plain HTTP; canvasapi warns about that, and warnings are errors here.
pytestmark = pytest.mark.filterwarnings("ignore:Canvas may respond unexpectedly:UserWarning")

RESULTS = """query($users: [ID!], $after: String) { course(id: 1) {
  outcomeResults(userIds: $users, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id score possible percent mastery hidePoints user { id } outcome { id } alignment { assetString } } } } }"""
ROLLUPS = """query($users: [ID!], $section: ID, $exclude: [RollupExclusion!], $sortBy: RollupSortBy,
  $sortOutcome: ID, $order: SortOrder, $outcomes: [ID!], $after: String) { course(id: 1) {
  outcomeRollups(userIds: $users, sectionId: $section, exclude: $exclude, sortBy: $sortBy,
    sortOutcomeId: $sortOutcome, sortOrder: $order, outcomeIds: $outcomes, first: 100, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { user { id } enrollments { status section { id } } scores { outcome { id } score count title } } } } }"""
AGGREGATE = """query($users: [ID!], $section: ID, $exclude: [RollupExclusion!], $stat: AggregateStat) {
  course(id: 1) { outcomeRollupAggregate(userIds: $users, sectionId: $section, exclude: $exclude, stat: $stat) {
    scores { outcome { id } score count } } } }"""


@pytest.fixture
async def live(database_url):
    """(canvas(role) -> a canvasapi Canvas, graphql(role, query, variables) -> data) on the demo course."""
    tokens = await demo_tokens(database_url)
    app = create_app(Settings(database_url=database_url, run_worker=False, response_cache_size=0))
    async with serving(app) as address, httpx.AsyncClient(base_url=f"http://{address}") as client:
        async def graphql(role: str, query: str, variables: dict | None = None) -> dict:
            body = (await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                      headers={"Authorization": f"Bearer {tokens[role]}"})).json()
            assert not body.get("errors"), body
            return body["data"]["course"]

        yield (lambda role: Canvas(f"http://{address}", tokens[role])), graphql


async def graphql_pages(graphql, role: str, query: str, field: str, variables: dict) -> list[dict]:
    nodes, after = [], None
    while True:
        page = (await graphql(role, query, {**variables, "after": after}))[field]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def results_of_canvas(canvas, **kwargs) -> list[dict]:
    """Every page of outcome_results through canvasapi's PaginatedList (it follows the Link header)."""
    return [r.__dict__ for r in canvas.get_course(1).get_outcome_results(**kwargs)]


async def test_outcome_results_across_pages_equal_graphql(live):
    canvas, graphql = live
    for role, users in (("teacher", None), ("ta", None), ("student", ["self"]), ("observer", ["107"])):
        got = await asyncio.to_thread(results_of_canvas, canvas(role), user_ids=users or [], per_page=7,
                                      include=["outcomes", "users", "alignments"])
        want = await graphql_pages(graphql, role, RESULTS, "outcomeResults", {"users": users})
        assert len(got) == len(want) > 7, role
        assert [(r["id"], r["score"], r["possible"], r["percent"], r["mastery"], r["hide_points"],
                 r["links"]["user"], r["links"]["learning_outcome"], r["links"]["alignment"]) for r in got] == \
            [(int(n["id"]), n["score"], n["possible"], n["percent"], n["mastery"], n["hidePoints"], n["user"]["id"],
              n["outcome"]["id"], n["alignment"]["assetString"]) for n in want], role


def rollups_of_canvas(canvas, **kwargs) -> list[dict]:
    """Every page of outcome_rollups (canvasapi returns one page's JSON: the next pages by `page`)."""
    course, rows, page = canvas.get_course(1), [], 1
    while True:
        body = course.get_outcome_result_rollups(page=page, per_page=4, **kwargs)
        rows += body["rollups"]
        if page >= body["meta"]["pagination"]["page_count"]:
            return rows
        page += 1


def graphql_rows(nodes: list[dict]) -> list[tuple]:
    """GraphQL's rollups as Canvas's rows: one per section enrollment, scores by outcome id."""
    return [(n["user"]["id"], e["section"]["id"], e["status"].lower(),
             sorted((s["outcome"]["id"], s["score"], s["count"], s["title"]) for s in n["scores"]))
            for n in nodes for e in n["enrollments"]]


def canvas_rows(rows: list[dict]) -> list[tuple]:
    return [(r["links"]["user"], r["links"]["section"], r["links"]["status"],
             sorted((s["links"]["outcome"], s["score"], s["count"], s["title"]) for s in r["scores"])) for r in rows]


ROLLUP_CASES = [  # (role, canvasapi kwargs, GraphQL variables)
    ("teacher", {}, {}),
    ("teacher", {"sort_by": "student", "sort_order": "desc"}, {"sortBy": "STUDENT", "order": "DESC"}),
    ("teacher", {"sort_by": "outcome", "sort_outcome_id": 202, "sort_order": "desc"},
     {"sortBy": "OUTCOME", "sortOutcome": "202", "order": "DESC"}),
    ("teacher", {"exclude": ["missing_user_rollups", "concluded_enrollments"], "section_id": 10},
     {"exclude": ["MISSING_USER_ROLLUPS", "CONCLUDED_ENROLLMENTS"], "section": "10"}),
    ("teacher", {"user_ids": [105, 102, "sis_user_id:S0101"], "outcome_ids": [201, 204]},
     {"users": ["105", "102", "sis_user_id:S0101"], "outcomes": ["201", "204"]}),
    ("teacher", {"exclude": ["missing_outcome_results", "inactive_enrollments"]},
     {"exclude": ["MISSING_OUTCOME_RESULTS", "INACTIVE_ENROLLMENTS"]}),
    ("ta", {"sort_by": "student"}, {"sortBy": "STUDENT"}),
    ("student", {"user_ids": ["self"]}, {"users": ["self"]}),
    ("observer", {"user_ids": [107]}, {"users": ["107"]}),
]


@pytest.mark.parametrize("role, kwargs, variables", ROLLUP_CASES)
async def test_rollups_equal_graphql(live, role, kwargs, variables):
    canvas, graphql = live
    got = await asyncio.to_thread(rollups_of_canvas, canvas(role), **kwargs)
    want = await graphql_pages(graphql, role, ROLLUPS, "outcomeRollups", variables)
    assert got and canvas_rows(got) == graphql_rows(want)


AGGREGATE_CASES = [
    ("teacher", {}, {}),
    ("teacher", {"aggregate_stat": "median", "section_id": 11}, {"stat": "MEDIAN", "section": "11"}),
    ("teacher", {"exclude": ["concluded_enrollments"], "user_ids": [101, 102, 103]},
     {"exclude": ["CONCLUDED_ENROLLMENTS"], "users": ["101", "102", "103"]}),
    ("ta", {"aggregate_stat": "mean"}, {"stat": "MEAN"}),
    ("student", {"user_ids": ["self"]}, {"users": ["self"]}),
]


@pytest.mark.parametrize("role, kwargs, variables", AGGREGATE_CASES)
async def test_aggregates_equal_graphql(live, role, kwargs, variables):
    canvas, graphql = live
    body = await asyncio.to_thread(lambda: canvas(role).get_course(1).get_outcome_result_rollups(
        aggregate="course", include=["courses"], **kwargs))
    want = (await graphql(role, AGGREGATE, variables))["outcomeRollupAggregate"]["scores"]
    [rollup] = body["rollups"]
    assert rollup["links"] == {"course": "1"} and body["linked"]["courses"][0]["id"] == "1"
    assert [(s["links"]["outcome"], s["score"], s["count"]) for s in rollup["scores"]] == \
        sorted((s["outcome"]["id"], s["score"], s["count"]) for s in want)


def tree_through_canvasapi(canvas) -> dict:
    course = canvas.get_course(1)
    root = course.get_root_outcome_group()
    groups = list(course.get_outcome_groups_in_context())
    linked = {g.id: [link.outcome["id"] for link in g.get_linked_outcomes()] for g in groups}
    outcome = canvas.get_outcome(201)
    return {"course": course.name, "root": root.title, "groups": [g.title for g in groups], "linked": linked,
            "outcome": (outcome.title, outcome.calculation_method, outcome.mastery_points)}


TREE = """{ course(id: 1) { name outcomeGroups { id title parent { id } outcomes { id } }
  outcomes(outcomeIds: ["201"]) { title calculationMethod masteryPoints } } }"""


async def test_the_outcome_tree_through_canvasapi_equals_graphql(live):
    canvas, graphql = live
    for role in ("teacher", "student"):
        got = await asyncio.to_thread(tree_through_canvasapi, canvas(role))
        course = await graphql(role, TREE)
        [outcome] = course["outcomes"]
        groups = course["outcomeGroups"]
        assert got == {"course": course["name"], "root": next(g["title"] for g in groups if g["parent"] is None),
                       "groups": [g["title"] for g in groups],
                       "linked": {int(g["id"]): [int(o["id"]) for o in g["outcomes"]] for g in groups},
                       "outcome": (outcome["title"], outcome["calculationMethod"].lower(), outcome["masteryPoints"])}


async def test_canvasapi_raises_its_own_exceptions_for_our_refusals(live):
    canvas, _ = live

    def refusals():
        with pytest.raises(Forbidden, match="users not specified and no access to all grades"):
            canvas("student").get_course(1).get_outcome_result_rollups()
        with pytest.raises(BadRequest, match="invalid aggregate parameter value"):
            canvas("teacher").get_course(1).get_outcome_result_rollups(aggregate="section")
        with pytest.raises(InvalidAccessToken):
            Canvas(canvas("teacher")._Canvas__requester.original_url, "not-a-token").get_course(1)

    await asyncio.to_thread(refusals)
