"""Rollups as of a date and within a window (docs/windows.md), over HTTP on both databases: a term of results
rolled up at many dates, each answer equal to a fresh computation over the results known then (tests/api/expected.py
filters the bundle's results by time itself); the edges; empty windows; aggregates, distributions, sorting and
paging; refusals; the stored rollups left alone."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from outcome_graph.db import models as m
from tests.api.course_builder import CourseBuilder
from tests.api.expected import Course, api_score, as_of, engine_score, window

START = datetime(2025, 9, 1, 8, 0, tzinfo=timezone.utc)  # the term's first day
TERM = 110  # days
STUDENTS = [101, 102, 103, 104, 105, 106]
OUTCOMES = {201: ("decaying_average", 65), 202: ("latest", None), 203: ("n_mastery", 2), 204: ("highest", None),
            205: ("standard_decaying_average", 50), 206: ("average", None)}

PAGE = """query($asOf: DateTime, $window: RollupWindow, $userIds: [ID!], $sortBy: RollupSortBy, $sortOutcomeId: ID,
               $sortOrder: SortOrder, $first: Int, $after: String, $exclude: [RollupExclusion!]) {
  course(id: 1) { outcomeRollups(asOf: $asOf, window: $window, userIds: $userIds, sortBy: $sortBy,
                                 sortOutcomeId: $sortOutcomeId, sortOrder: $sortOrder, first: $first, after: $after,
                                 exclude: $exclude) {
    totalCount pageInfo { hasNextPage endCursor }
    outcomes(ratingPercents: true) { id ratings { points percent } }
    edges { node { user { id } scoreSlots { score }
                   scores { outcome { id } score count title submittedAt hidePoints rating { points } } } } } } }"""

SUMMARY = """query($asOf: DateTime, $window: RollupWindow, $stat: AggregateStat) { course(id: 1) {
  outcomeRollupAggregate(asOf: $asOf, window: $window, stat: $stat) { scores { outcome { id } score count } }
  masteryDistribution(asOf: $asOf, window: $window) { outcome { id } totalStudents
                                                       ratings { points count studentIds } } } }"""


def iso(moment: datetime) -> str:
    return moment.isoformat()


def term_course() -> CourseBuilder:
    """Six students, six methods, results spread over a term at random times (seeded), with hidden, unposted,
    quiz, timeless, assessed-only and null-score results, and a section-limited TA."""
    rng = random.Random(17)
    c = CourseBuilder(name="Term")
    a, b = c.section(10), c.section(11)
    c.teacher(1, a)
    c.user(2, "Limited TA")
    c.enroll(2, b, "ta", limit_to_section=True)
    for uid in STUDENTS:
        c.student(uid, f"Student {uid}", a if uid < 105 else b)
    c.student(107, "No Results", a)
    assets = [c.asset(type="assignment"), c.asset(type="quiz"), c.asset(type="rubric"),
              c.asset(type="assignment", post_policy="manual"), c.asset(type="quiz"), c.asset(type="assignment")]
    for oid, (method, calc_int) in OUTCOMES.items():
        c.outcome(oid, method=method, calc_int=calc_int)
        for k, asset in enumerate(assets):
            aid = c.align(oid, asset)
            for uid in STUDENTS:
                if rng.random() < 0.2:
                    continue
                at = (START + timedelta(days=rng.uniform(0, TERM))).timestamp()
                quiz = k in (1, 4)
                c.result(uid, aid, rng.choice([None] + [float(x) for x in range(6)] * 6), possible=5.0,
                         submitted=None if k == 2 else at, assessed=at + 3600 if k == 2 else None,
                         hidden=rng.random() < 0.08, posted=rng.random() < 0.6,
                         hide_points=rng.random() < 0.3,
                         artifact_type="quiz_submission" if quiz else "rubric_assessment")
    c.results[0]["submitted_at"] = c.results[0]["assessed_at"] = None  # no time: the oldest possible
    return c


@pytest.fixture
async def term(empty_api):
    c = term_course()
    await c.load(empty_api, teacher=1, ta=2, student=101)
    return empty_api, Course(c.doc())


def history_dates(c: Course) -> list[datetime]:
    """Every fortnight of the term and around it, and a few results' own times (an edge each)."""
    fortnights = [START + timedelta(days=d) for d in range(-7, TERM + 15, 14)]
    own = sorted(datetime.fromisoformat(r["submitted_at"]) for r in c.results if r["submitted_at"])[::37]
    return fortnights + own


def api_scores(nodes: list[dict]) -> dict[tuple[int, int], tuple]:
    return {(int(n["user"]["id"]), int(s["outcome"]["id"])): api_score(s) for n in nodes for s in n["scores"]}


def expected_scores(c: Course, users, **kw) -> dict[tuple[int, int], tuple]:
    return {k: engine_score(s) for k, s in c.rollups(users, **kw).items()}


async def test_a_students_rollup_history_over_a_term_is_a_fresh_computation_at_every_date(term):
    api, c = term
    for moment in history_dates(c):
        page = (await api.query(PAGE, {"asOf": iso(moment), "first": 100}, as_="teacher"))["course"]["outcomeRollups"]
        assert page["totalCount"] == 7
        assert api_scores([e["node"] for e in page["edges"]]) == expected_scores(c, None, when=as_of(moment)), moment
        mine = (await api.query(PAGE, {"asOf": iso(moment), "userIds": ["self"]}, as_="student"))
        mine = api_scores([e["node"] for e in mine["course"]["outcomeRollups"]["edges"]])
        assert mine == expected_scores(c, [101], grader=False, when=as_of(moment)), moment  # unposted: not yet


async def test_after_the_last_result_as_of_equals_the_stored_rollups(term):
    api, _ = term
    late = iso(START + timedelta(days=TERM + 30))
    for role, extra in (("teacher", {}), ("student", {"userIds": ["self"]}), ("ta", {})):
        stored = await api.query(PAGE, {"first": 100, **extra}, as_=role)
        computed = await api.query(PAGE, {"first": 100, "asOf": late, **extra}, as_=role)
        assert computed == stored, role


async def test_windows_hold_the_results_from_their_start_to_their_end(term):
    api, c = term
    edges = [START + timedelta(days=d) for d in (0, 30, 60, 90, TERM)]
    for start, end in zip(edges, edges[1:]):
        variables = {"window": {"from": iso(start), "to": iso(end)}, "first": 100}
        page = (await api.query(PAGE, variables, as_="teacher"))["course"]["outcomeRollups"]
        assert api_scores([e["node"] for e in page["edges"]]) == expected_scores(c, None, when=window(start, end))
        ta = (await api.query(PAGE, variables, as_="ta"))["course"]["outcomeRollups"]
        assert api_scores([e["node"] for e in ta["edges"]]) == expected_scores(c, [105, 106], when=window(start, end))


async def test_aggregates_and_distributions_are_windowed(term):
    api, c = term
    for moment in history_dates(c)[::2]:
        for stat in ("MEAN", "MEDIAN"):
            data = (await api.query(SUMMARY, {"asOf": iso(moment), "stat": stat}, as_="teacher"))["course"]
            got = {int(s["outcome"]["id"]): (s["score"], s["count"]) for s in data["outcomeRollupAggregate"]["scores"]}
            want = c.aggregates(stat.lower(), when=as_of(moment))
            assert got == {o: (s.score, s.count) for o, s in want.items()}, (moment, stat)
        scores = c.rollups(when=as_of(moment))
        for d in data["masteryDistribution"]:
            oid = int(d["outcome"]["id"])
            values = [s.score for (_, o), s in scores.items() if o == oid and s.score is not None]
            assert d["totalStudents"] == len(values)
            bucketed = {int(u) for r in d["ratings"] for u in r["studentIds"]}
            assert bucketed <= {u for (u, o), s in scores.items() if o == oid and s.score is not None}


async def test_sorting_and_paging_by_a_windowed_score(term):
    api, c = term
    moment = START + timedelta(days=40)
    scores = c.rollups(when=as_of(moment))
    for order in ("ASC", "DESC"):
        seen, after = [], None
        while True:
            page = (await api.query(PAGE, {"asOf": iso(moment), "sortBy": "OUTCOME", "sortOutcomeId": "202",
                                           "sortOrder": order, "first": 2, "after": after}, as_="teacher"))
            page = page["course"]["outcomeRollups"]
            seen += [int(e["node"]["user"]["id"]) for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]

        def key(uid):
            s = scores.get((uid, 202))
            return s.score if s is not None else None
        scored = sorted((u for u in STUDENTS + [107] if key(u) is not None),
                        key=lambda u: (key(u), c.name_key(u), u), reverse=order == "DESC")
        missing = sorted((u for u in STUDENTS + [107] if key(u) is None), key=lambda u: (c.name_key(u), u),
                         reverse=order == "DESC")
        assert seen == scored + missing, order
        assert len({key(u) for u in scored}) > 1  # the windowed scores, not one value, decide the order


async def test_missing_results_exclusions_judge_by_the_results_in_the_window(term):
    api, c = term
    moment = START + timedelta(days=3)
    page = (await api.query(PAGE, {"asOf": iso(moment), "exclude": ["MISSING_USER_ROLLUPS"], "first": 100},
                            as_="teacher"))["course"]["outcomeRollups"]
    with_results = sorted({u for u, _ in c.rollups(when=as_of(moment))})
    assert sorted(int(e["node"]["user"]["id"]) for e in page["edges"]) == with_results
    assert page["totalCount"] == len(with_results) < 7


async def test_an_empty_window_has_no_scores_not_zeros(term):
    api, _ = term
    before = {"from": iso(START - timedelta(days=400)), "to": iso(START - timedelta(days=300))}
    page = (await api.query(PAGE, {"window": before, "first": 100}, as_="teacher"))["course"]["outcomeRollups"]
    assert page["totalCount"] == 7
    assert all(n["node"]["scores"] == [] and n["node"]["scoreSlots"] == [None] * 6 for n in page["edges"])
    assert all(r["percent"] == 0 for o in page["outcomes"] for r in o["ratings"])
    data = (await api.query(SUMMARY, {"window": before}, as_="teacher"))["course"]
    assert data["outcomeRollupAggregate"]["scores"] == []
    assert all(d["totalStudents"] == 0 for d in data["masteryDistribution"])


async def test_the_stored_rollups_are_left_alone(term):
    api, _ = term

    async def stored():
        async with api.engine.connect() as conn:
            return sorted(tuple(r) for r in (await conn.execute(select(m.Rollup))).all())

    before = await stored()
    await api.query(PAGE, {"asOf": iso(START + timedelta(days=20)), "first": 100}, as_="teacher")
    await api.query(SUMMARY, {"window": {"from": iso(START), "to": iso(START + timedelta(days=9))}}, as_="teacher")
    assert await stored() == before


EDGE = """query($asOf: DateTime, $window: RollupWindow) { course(id: 1) {
  outcomeRollups(asOf: $asOf, window: $window) { edges { node { scores { score count } } } } } }"""


@pytest.fixture
async def edge(empty_api):
    """One student, one `latest` outcome: 2.0 with no time, 1.0 at T, 3.0 at T+60s, 5.0 at T+120s."""
    c = CourseBuilder(name="Edges")
    c.section(10)
    c.teacher(1)
    c.student(101, "Only Student")
    c.outcome(201, method="latest")
    t = START.timestamp()
    for score, at in ((2.0, None), (1.0, t), (3.0, t + 60), (5.0, t + 120)):
        c.result(101, c.align(201, c.asset()), score, possible=5.0, submitted=at)
    await c.load(empty_api, teacher=1)
    return empty_api


@pytest.mark.parametrize("asof, window, expected", [
    ("2025-09-01T07:59:59Z", None, (2.0, 1)),  # a second before T: only the timeless result
    ("2025-09-01T08:00:00Z", None, (1.0, 2)),  # asOf includes its own second
    ("2025-09-01T08:00:00.999Z", None, (1.0, 2)),  # fractions are dropped
    ("2025-09-01T02:01:00-06:00", None, (3.0, 3)),  # T+60s written with an offset
    ("1970-01-01T00:00:00Z", None, (2.0, 1)),  # the timeless result is at the epoch
    ("1969-12-31T23:59:59Z", None, None),
    (None, ("2025-09-01T08:00:00Z", "2025-09-01T08:01:00Z"), (1.0, 1)),  # from included, to excluded
    (None, ("2025-09-01T08:00:01Z", "2025-09-01T08:02:00Z"), (3.0, 1)),
    (None, ("2025-09-01T08:00:00.5Z", "2025-09-01T08:01:00.5Z"), (1.0, 1)),  # both floored
    (None, ("2025-09-01T08:01:00Z", "2025-09-01T08:01:00Z"), None),  # from = to: empty
    (None, ("1970-01-01T00:00:00Z", "2025-09-01T08:00:00Z"), (2.0, 1)),
    (None, ("2025-09-01T08:00:00Z", "2030-01-01T00:00:00Z"), (5.0, 3)),
])
async def test_the_edges(edge, asof, window, expected):
    variables = {"asOf": asof, "window": None if window is None else {"from": window[0], "to": window[1]}}
    page = (await edge.query(EDGE, variables, as_="teacher"))["course"]["outcomeRollups"]
    [node] = [e["node"] for e in page["edges"]]
    assert [(s["score"], s["count"]) for s in node["scores"]] == ([] if expected is None else [expected])


@pytest.mark.parametrize("variables, argument", [
    ({"asOf": "2025-09-01T00:00:00Z", "window": {"from": "2025-09-01T00:00:00Z", "to": "2025-10-01T00:00:00Z"}},
     "asOf"),
    ({"window": {"from": "2025-10-01T00:00:00Z", "to": "2025-09-01T00:00:00Z"}}, "window"),
    ({"window": {"from": "2025-10-01T00:00:00.2Z", "to": "2025-10-01T00:00:00.1Z"}}, "window"),
    ({"asOf": "2025-09-01T00:00:00"}, "asOf"),
    ({"window": {"from": "2025-09-01T00:00:00", "to": "2025-10-01T00:00:00Z"}}, "window.from"),
    ({"window": {"from": "2025-09-01T00:00:00Z", "to": "2025-10-01T00:00:00"}}, "window.to"),
    ({"asOf": "0001-01-01T00:00:00+01:00"}, "asOf"),
    ({"window": {"from": "2025-09-01T00:00:00Z", "to": "9999-12-31T23:59:59-01:00"}}, "window.to"),
])
async def test_refusals_name_the_argument(edge, variables, argument):
    for query in (EDGE, SUMMARY):
        body = await edge.query(query, variables, as_="teacher", errors=True)
        for error in body["errors"]:
            assert error["extensions"]["code"] == "BAD_USER_INPUT", error
            assert error["extensions"]["argument"] == argument, error
            assert argument.split(".")[0] in error["message"], error


USER_ROLLUPS = """query($asOf: DateTime) { user(id: "101") { outcomeRollups(courseId: "1", asOf: $asOf) {
  scores { outcome { id } score count } } } }"""


async def test_a_users_rollups_take_the_same_filter(term):
    api, c = term
    moment = START + timedelta(days=50)
    for role, grader in (("teacher", True), ("student", False)):
        got = (await api.query(USER_ROLLUPS, {"asOf": iso(moment)}, as_=role))["user"]["outcomeRollups"]["scores"]
        want = c.rollups([101], grader=grader, when=as_of(moment))
        assert {int(s["outcome"]["id"]): (s["score"], s["count"]) for s in got} == \
            {o: (s.score, s.count) for (_, o), s in want.items()}, role


async def test_a_filter_changes_no_refusal(term):
    """Access is the policy's, filter or not: the same answer for students the viewer may not read."""
    api, _ = term
    for role, user_ids in (("student", ["102"]), ("student", None), ("ta", ["101"])):
        plain = await api.query(PAGE, {"userIds": user_ids}, as_=role, errors=True)
        computed = await api.query(PAGE, {"userIds": user_ids, "asOf": iso(START + timedelta(days=60))}, as_=role,
                                   errors=True)
        assert computed == plain and plain["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "NOT_FOUND"), role
    summary = await api.query(SUMMARY, {"asOf": iso(START + timedelta(days=60))}, as_="student", errors=True)
    assert summary["data"]["course"]["masteryDistribution"] is None  # graders only, as without a filter


ENTITY_ROLLUPS = """query($r: [_Any!]!, $asOf: DateTime) { _entities(representations: $r) {
  ... on User { id outcomeRollups(courseId: 1, asOf: $asOf) { scores { outcome { id } score count } } } } }"""


async def test_a_gateways_users_get_their_rollups_as_of_a_date_batched(term):
    """_entities(User).outcomeRollups(asOf): each student's computed rollups, in statements that do not grow
    with the representations."""
    api, c = term
    moment = iso(START + timedelta(days=70))

    def refs(users):
        return {"r": [{"__typename": "User", "id": str(u)} for u in users], "asOf": moment}

    one = await api.statements(ENTITY_ROLLUPS, refs(STUDENTS[:1]))
    assert await api.statements(ENTITY_ROLLUPS, refs(STUDENTS)) == one
    got = (await api.query(ENTITY_ROLLUPS, refs(STUDENTS), as_="teacher"))["_entities"]
    want = c.rollups(STUDENTS, when=as_of(datetime.fromisoformat(moment)))
    assert {(int(u["id"]), int(s["outcome"]["id"])): (s["score"], s["count"])
            for u in got for s in u["outcomeRollups"]["scores"]} == {k: (s.score, s.count) for k, s in want.items()}
