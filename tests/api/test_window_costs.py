"""What a rollup computed from results (asOf, window; docs/windows.md) costs: SQL statements that do not grow with
the students, outcomes or results of the course (the generated course of tests/api/test_query_counts.py), and the
request budget's charge for the computation."""

from __future__ import annotations

from datetime import datetime

import httpx

from outcome_graph.app import create_app
from outcome_graph.settings import Settings
from tests.api.expected import Course, as_of
from tests.api.test_query_counts import (AGGREGATES, OUTCOME_IDS, ROLLUPS, STUDENT_IDS, big,  # noqa: F401 (fixture)
                                         big_course, counts, ids, settings)
from tests.conftest import Api

AS_OF = "2026-05-29T00:00:00Z"  # inside the generated results' days
WINDOWED_ROLLUPS = ROLLUPS.replace("$userIds: [ID!]) {", "$userIds: [ID!], $asOf: DateTime) {", 1).replace(
    "userIds: $userIds)", "userIds: $userIds, asOf: $asOf)", 1)
WINDOWED_AGGREGATES = AGGREGATES.replace("query($userIds: [ID!])", "query($userIds: [ID!], $asOf: DateTime)").replace(
    "(userIds: $userIds)", "(userIds: $userIds, asOf: $asOf)")


async def test_windowed_statements_do_not_grow_with_students_or_outcomes(big):
    assert WINDOWED_ROLLUPS.count("$asOf") == 2 and WINDOWED_AGGREGATES.count("$asOf") == 3
    two = ids(OUTCOME_IDS[3:5])
    groups = {}
    for sort in (None, "STUDENT", "OUTCOME"):
        by = {"sortBy": sort, "sortOutcomeId": "5003" if sort == "OUTCOME" else None, "asOf": AS_OF}
        groups[f"outcomeRollups asOf, sortBy {sort}"] = await counts(big, WINDOWED_ROLLUPS, {
            "1 student": {"first": 1, **by, "outcomeIds": two},
            "100 students": {"first": 100, **by, "outcomeIds": two},
            "1 outcome": {"first": 5, **by, "outcomeIds": ids(OUTCOME_IDS[3:4])},
            "50 outcomes": {"first": 5, **by, "outcomeIds": ids(OUTCOME_IDS)}})
    groups["outcomeRollups asOf (section-limited TA)"] = await counts(big, WINDOWED_ROLLUPS, {
        "1 student": {"first": 1, "outcomeIds": two, "asOf": AS_OF},
        "40 students": {"first": 100, "outcomeIds": two, "asOf": AS_OF}}, as_="ta")
    groups["outcomeRollups asOf (student)"] = await counts(big, WINDOWED_ROLLUPS, {
        "1 outcome": {"userIds": ["self"], "outcomeIds": ids(OUTCOME_IDS[:1]), "asOf": AS_OF},
        "50 outcomes": {"userIds": ["self"], "outcomeIds": ids(OUTCOME_IDS), "asOf": AS_OF}}, as_="student")
    groups["aggregate + distribution asOf"] = await counts(big, WINDOWED_AGGREGATES, {
        "1 student": {"userIds": ids(STUDENT_IDS[:1]), "asOf": AS_OF},
        "100 students": {"userIds": ids(STUDENT_IDS[:100]), "asOf": AS_OF},
        "120 students": {"userIds": None, "asOf": AS_OF}})
    report = "\n".join(f"{name}: {measured}" for name, measured in groups.items())
    print(f"\nstatements per windowed request ({big.engine.dialect.name}):\n{report}")
    # Sorting a selection bigger than a page by an outcome reads that outcome course-wide; when it is the only
    # outcome selected, the rating percents' course-wide read is the same one, made once: one statement fewer.
    sort = groups["outcomeRollups asOf, sortBy OUTCOME"]
    assert sort.pop("1 outcome") == sort["50 outcomes"] - 1, report
    assert all(len(set(measured.values())) == 1 for measured in groups.values()), report


BUDGET_QUERY = """query($asOf: DateTime, $window: RollupWindow) { course(id: 1) {
  outcomeRollups(first: 10, asOf: $asOf, window: $window) { totalCount } } }"""


async def found_cost(api, variables: dict) -> int:
    body = (await api.raw(BUDGET_QUERY, variables)).json()
    [error] = body["errors"]
    assert error["extensions"]["limit"] == "cost", error
    return error["extensions"]["found"]


async def test_a_computed_field_costs_a_full_page_of_scores(database_url):
    """Measured with a budget of 1, so every request is refused and reports what it found (before any SQL)."""
    settings = Settings(database_url=database_url, run_worker=False, max_cost=1)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            api = Api(client, app.state.engine)
            stored = await found_cost(api, {})
            nulls = await found_cost(api, {"asOf": None, "window": None})
            as_of = await found_cost(api, {"asOf": "2025-01-01T00:00:00Z"})
            windowed = await found_cost(api, {"window": {"from": "2025-01-01T00:00:00Z", "to": "2025-02-01T00:00:00Z"}})
    assert stored == nulls
    assert as_of - stored == windowed - stored == settings.max_page_size * 50


BIG_PAGE = """query($asOf: DateTime, $after: String, $outcomeIds: [ID!]) { course(id: 1) {
  outcomeRollups(asOf: $asOf, outcomeIds: $outcomeIds, sortBy: OUTCOME, sortOutcomeId: "5003", sortOrder: DESC,
                 first: 50, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { user { id } scores { outcome { id } score count } } } }
  outcomeRollupAggregate(asOf: $asOf, outcomeIds: $outcomeIds) { scores { outcome { id } score count } } } }"""


async def test_a_selection_bigger_than_a_page_is_computed_course_wide_to_the_same_numbers(big):
    """120 students, pages of 50: the sort and the aggregate read course-wide, the pages by id."""
    c = Course(big_course().doc())
    outcomes = OUTCOME_IDS[3:5]
    want = c.rollups(STUDENT_IDS, outcomes, when=as_of(datetime.fromisoformat(AS_OF)))
    assert {s.count for s in want.values()} == {1}  # the day-two results are after asOf
    nodes, after = [], None
    while True:
        data = (await big.query(BIG_PAGE, {"asOf": AS_OF, "after": after, "outcomeIds": ids(outcomes)},
                                as_="teacher"))["course"]
        page = data["outcomeRollups"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    got = {(int(n["user"]["id"]), int(s["outcome"]["id"])): (s["score"], s["count"])
           for n in nodes for s in n["scores"]}
    assert got == {k: (s.score, s.count) for k, s in want.items()}

    def key(uid):
        s = want.get((uid, 5003))
        return (s is None or s.score is None, -(s.score or 0) if s is not None else 0)
    order = [int(n["user"]["id"]) for n in nodes]
    assert [key(u) for u in order] == sorted(key(u) for u in order)
    aggregate = {int(s["outcome"]["id"]): (s["score"], s["count"]) for s in data["outcomeRollupAggregate"]["scores"]}
    means = c.aggregates("mean", STUDENT_IDS, outcomes, when=as_of(datetime.fromisoformat(AS_OF)))
    assert aggregate == {o: (s.score, s.count) for o, s in means.items()}
