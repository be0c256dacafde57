"""Course.outcomeRollups, outcomeRollupAggregate, masteryDistribution and Course.outcomes against docs/behaviour.md
(§3, §1.8, §4.4, §5.2, §5.4, §8 rows 21, 22, 37, 48, 50, 52). Expectations come from the bundle JSON and the pure
engine (tests/api/expected.py), never from the database.
"""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import insert

from outcome_graph.db import models as m
from tests.api.course_builder import CourseBuilder
from tests.api.expected import Course, api_score, engine_score
from tests.api.test_outcome_results import wide_course
from tests.conftest import DEMO

BAD_CURSOR = ("after: invalid cursor {}: pass an edge cursor, startCursor or endCursor of this connection with "
              "the same sort (cursors of older versions of the API are no longer accepted: start again from the first "
              "page)")

DEMO_COURSE = Course(orjson.loads(DEMO.read_bytes()))

ROLLUPS = """query($userIds: [ID!], $section: ID, $outcomeIds: [ID!], $group: ID, $exclude: [RollupExclusion!],
                 $sortBy: RollupSortBy, $sortOutcomeId: ID, $sortOrder: SortOrder, $first: Int, $after: String) {
  course(id: 1) { outcomeRollups(userIds: $userIds, sectionId: $section, outcomeIds: $outcomeIds,
                                 outcomeGroupId: $group, exclude: $exclude, sortBy: $sortBy,
                                 sortOutcomeId: $sortOutcomeId, sortOrder: $sortOrder, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    outcomes { id }
    edges { cursor node { user { id } sections { id }
      scores { outcome { id } score count title submittedAt hidePoints } } } } } }"""


async def gql(api, query: str, variables: dict | None = None, *, as_: str = "teacher", errors: bool = False):
    return await api.query(query, variables, as_=as_, errors=errors)


async def rollup_pages(api, variables: dict, first: int, as_: str = "teacher") -> tuple[list[dict], list[dict]]:
    """Every rollup node, following endCursor; and every page."""
    nodes, pages, after = [], [], None
    while True:
        page = (await gql(api, ROLLUPS, {**variables, "first": first, "after": after}, as_=as_))["course"]["outcomeRollups"]
        pages.append(page)
        nodes += [e["node"] for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert len(page["edges"]) <= first
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, pages
        assert len(page["edges"]) == first
        after = page["pageInfo"]["endCursor"]


def users_of(nodes: list[dict]) -> list[int]:
    return [int(n["user"]["id"]) for n in nodes]


def expected_nodes(c: Course, users: list[int], outcomes: list[int], *, grader: bool = True,
                   sections: dict[int, list[int]] | None = None) -> list[dict]:
    """Rollup nodes for users in the given order: scores in outcome display order, only outcomes with results."""
    scores = c.rollups(users, outcomes, grader=grader)
    return [{"user": {"id": str(u)},
             "sections": [{"id": str(s)} for s in (sections or {}).get(u, c.sections_of(u))],
             "scores": [(str(o), engine_score(scores[(u, o)])) for o in outcomes if (u, o) in scores]}
            for u in users]


def comparable(nodes: list[dict]) -> list[dict]:
    return [{"user": n["user"], "sections": n["sections"],
             "scores": [(s["outcome"]["id"], api_score(s)) for s in n["scores"]]} for n in nodes]


# ---------------------------------------------------------------- the demo course, every student

async def test_every_rollup_of_the_demo_course_by_user_id_paged(api):
    students = DEMO_COURSE.students()
    outcomes = DEMO_COURSE.outcome_ids()
    expected = expected_nodes(DEMO_COURSE, students, outcomes)
    for first in (100, 7):
        nodes, pages = await rollup_pages(api, {}, first)
        assert comparable(nodes) == expected
        assert {p["totalCount"] for p in pages} == {len(students)}
        assert pages[0]["outcomes"] == [{"id": str(o)} for o in outcomes]


async def test_a_student_sees_their_own_rollup_without_unposted_results(api):
    """Section 12's asset 304 has a manual post policy and unposted results: the student's own rollup leaves them
    out (docs/behaviour.md §2.4), the teacher's includes them."""
    from outcome_graph.db.tokens import create_token

    api.tokens["s121"] = await create_token(api.engine, user_id=121)
    outcomes = DEMO_COURSE.outcome_ids()
    own = expected_nodes(DEMO_COURSE, [121], outcomes, grader=False)
    graded = expected_nodes(DEMO_COURSE, [121], outcomes)
    assert own != graded
    nodes, _ = await rollup_pages(api, {"userIds": ["self"]}, 10, as_="s121")
    assert comparable(nodes) == own
    nodes, _ = await rollup_pages(api, {"userIds": ["121"]}, 10)
    assert comparable(nodes) == graded


# ---------------------------------------------------------------- every argument at sizes 0, 1 and 10

@pytest.fixture
async def wide(empty_api):
    c = wide_course()
    await c.load(empty_api, teacher=1)
    empty_api.course = Course(c.doc())
    return empty_api


async def test_every_argument_at_sizes_0_1_and_10(wide):
    c = wide.course
    everyone, outcomes = c.students(), c.outcome_ids()
    cases = [
        ({"userIds": []}, [], outcomes), ({"userIds": ["205"]}, [205], outcomes),
        ({"userIds": [str(u) for u in range(210, 200, -1)]}, list(range(201, 211)), outcomes),
        ({"section": "12"}, [], outcomes), ({"section": "11"}, [211], outcomes),
        ({"section": "10"}, list(range(201, 211)), outcomes),
        ({"outcomeIds": []}, everyone, []), ({"outcomeIds": ["307"]}, everyone, [307]),
        ({"outcomeIds": [str(o) for o in range(311, 301, -1)]}, everyone, list(range(302, 312))),
        ({"group": "21"}, everyone, []), ({"group": "22"}, everyone, [301]),
        ({"group": "23"}, everyone, list(range(302, 312))),
    ]
    for variables, users, selected in cases:
        for first in (4, 100):
            nodes, pages = await rollup_pages(wide, variables, first)
            assert comparable(nodes) == expected_nodes(c, users, selected), (variables, first)
            assert pages[0]["totalCount"] == len(users)
            assert pages[0]["outcomes"] == [{"id": str(o)} for o in selected]
    page = (await gql(wide, ROLLUPS, {"first": 0}))["course"]["outcomeRollups"]
    assert page["edges"] == [] and page["totalCount"] == len(everyone) and page["pageInfo"]["hasNextPage"]


def name_order(c: Course, users: list[int], desc: bool = False) -> list[int]:
    return sorted(users, key=lambda u: (c.name_key(u), u), reverse=desc)


def score_order(c: Course, users: list[int], outcome: int, desc: bool = False) -> list[int]:
    """docs/behaviour.md §3.4: by that outcome's score then name; desc reverses; missing scores last in both
    directions."""
    scores = c.rollups(users, [outcome])
    scored = [u for u in users if (u, outcome) in scores and scores[(u, outcome)].score is not None]
    missing = [u for u in users if u not in scored]
    key = lambda u: (scores[(u, outcome)].score, c.name_key(u), u)  # noqa: E731
    return sorted(scored, key=key, reverse=desc) + sorted(missing, key=lambda u: (c.name_key(u), u), reverse=desc)


async def test_sorting_every_way_pages_reproduce_the_whole_order(wide):
    c = wide.course
    everyone = c.students()
    orders = {
        (None, "ASC"): everyone, (None, "DESC"): everyone[::-1],
        ("STUDENT", "ASC"): name_order(c, everyone), ("STUDENT", "DESC"): name_order(c, everyone, desc=True),
        ("OUTCOME", "ASC"): score_order(c, everyone, 305), ("OUTCOME", "DESC"): score_order(c, everyone, 305, True),
    }
    assert orders[("OUTCOME", "ASC")][-1] != orders[("OUTCOME", "DESC")][0]
    for (sort, order), expected in orders.items():
        variables = {"sortBy": sort, "sortOrder": order, "sortOutcomeId": "305" if sort == "OUTCOME" else None}
        for first in (3, 100):
            nodes, _ = await rollup_pages(wide, variables, first)
            assert users_of(nodes) == expected, (sort, order, first)
            assert comparable(nodes) == expected_nodes(c, expected, c.outcome_ids())


async def test_cursors_are_stable_when_students_before_or_at_them_leave(wide):
    """A cursor carries its sort key: leaving the selection (userIds) moves nobody after it (every sort)."""
    c = wide.course
    everyone = c.students()
    for sort, order in [(None, "ASC"), (None, "DESC"), ("STUDENT", "ASC"), ("STUDENT", "DESC"),
                        ("OUTCOME", "ASC"), ("OUTCOME", "DESC")]:
        variables = {"sortBy": sort, "sortOrder": order, "sortOutcomeId": "305" if sort == "OUTCOME" else None}
        full, _ = await rollup_pages(wide, variables, 100)
        order_ids = users_of(full)
        page = (await gql(wide, ROLLUPS, {**variables, "first": 4}))["course"]["outcomeRollups"]
        cursor = page["pageInfo"]["endCursor"]
        for gone in (order_ids[0], order_ids[3]):  # a student before the cursor, and the cursor's own
            rest = [u for u in everyone if u != gone]
            later = (await gql(wide, ROLLUPS, {**variables, "first": 100, "after": cursor,
                                               "userIds": [str(u) for u in rest]}))["course"]["outcomeRollups"]
            assert users_of([e["node"] for e in later["edges"]]) == order_ids[4:], (sort, order, gone)
            assert later["totalCount"] == len(rest)


# ---------------------------------------------------------------- docs/behaviour.md §8 row 48: sorting by outcome

def row_48() -> CourseBuilder:
    c = CourseBuilder()
    c.section(10)
    c.teacher(1)
    s1, s2, s3 = (c.student(uid, name) for uid, name in [(11, "Cara, S1"), (12, "Abel, S2"), (13, "Bea, S3")])
    o = c.outcome(50, ratings=[{"description": "top", "points": 3}, {"description": "none", "points": 0}])
    al = c.align(o, c.asset())
    c.result(s1, al, 3.0, possible=3.0)
    c.result(s2, al, 1.0, possible=3.0)
    return c


async def test_spec_row_48_sorting_by_outcome_missing_last_both_ways_per_page_1(empty_api):
    await row_48().load(empty_api, teacher=1)
    for order, expected in (("ASC", [12, 11, 13]), ("DESC", [11, 12, 13])):
        variables = {"sortBy": "OUTCOME", "sortOutcomeId": "50", "sortOrder": order}
        pages, after = [], None
        for _ in range(4):
            page = (await gql(empty_api, ROLLUPS, {**variables, "first": 1, "after": after}))["course"]["outcomeRollups"]
            pages.append(users_of([e["node"] for e in page["edges"]]))
            after = page["pageInfo"]["endCursor"] or after
            assert page["totalCount"] == 3
        assert pages == [[u] for u in expected] + [[]], order
        assert page["pageInfo"]["hasNextPage"] is False


async def test_sorting_by_an_outcome_that_is_not_in_the_course_is_not_found(empty_api):
    """Canvas would sort by nothing (every score missing); we say what is wrong, naming the argument."""
    await row_48().load(empty_api, teacher=1)
    body = await gql(empty_api, ROLLUPS, {"sortBy": "OUTCOME", "sortOutcomeId": "999"}, errors=True)
    assert [(e["extensions"]["code"], e["extensions"]["argument"]) for e in body["errors"]] == [
        ("NOT_FOUND", "sortOutcomeId")]


async def test_sorting_by_an_outcome_outside_the_selected_ones_is_bad_input(wide):
    """Canvas sorts the rollups it computed, which hold the selected outcomes only, so every score would be
    missing (docs/behaviour.md §3.4, §11.3): an outcome outside outcomeIds/outcomeGroupId is a mistake we name."""
    for variables in ({"outcomeIds": ["306"]}, {"group": "22"}):
        body = await gql(wide, ROLLUPS, {**variables, "sortBy": "OUTCOME", "sortOutcomeId": "305"}, errors=True)
        assert [(e["extensions"]["code"], e["extensions"]["argument"]) for e in body["errors"]] == [
            ("BAD_USER_INPUT", "sortOutcomeId")], variables
    c = wide.course
    nodes, _ = await rollup_pages(wide, {"outcomeIds": ["305", "306"], "sortBy": "OUTCOME", "sortOutcomeId": "305"}, 4)
    assert users_of(nodes) == score_order(c, c.students(), 305)


# ---------------------------------------------------------------- docs/behaviour.md §8 row 52: several sections

async def test_spec_row_52_a_student_in_three_sections_is_one_rollup_with_three_sections(empty_api):
    c = CourseBuilder()
    a, b, d = c.section(10), c.section(11), c.section(12)
    c.teacher(1, a)
    c.student(21, "Able, Ann", a)
    c.student(22, "Brook, Bo", a, b, d)
    c.student(23, "Cole, Cy", b)
    o = c.outcome(50)
    al = c.align(o, c.asset())
    for uid in (21, 22, 23):
        c.result(uid, al, 4.0, possible=5.0)
    await c.load(empty_api, teacher=1)
    page = (await gql(empty_api, ROLLUPS, {"sortBy": "STUDENT", "first": 1}))["course"]["outcomeRollups"]
    page2 = (await gql(empty_api, ROLLUPS, {"sortBy": "STUDENT", "first": 1, "after": page["pageInfo"]["endCursor"]})
             )["course"]["outcomeRollups"]
    assert page2["totalCount"] == 3
    assert [e["node"]["user"] for e in page2["edges"]] == [{"id": "22"}]
    assert page2["edges"][0]["node"]["sections"] == [{"id": "10"}, {"id": "11"}, {"id": "12"}]
    one = (await gql(empty_api, ROLLUPS, {"section": "11", "first": 10}))["course"]["outcomeRollups"]
    assert [(e["node"]["user"]["id"], e["node"]["sections"]) for e in one["edges"]] == \
        [("22", [{"id": "11"}]), ("23", [{"id": "11"}])]


# ---------------------------------------------------------------- exclusions (docs/behaviour.md §3.1)

def exclusions_course() -> CourseBuilder:
    c = CourseBuilder()
    a, b = c.section(10), c.section(11)
    c.teacher(1, a)
    c.student(31, "Active-and-concluded", a)
    c.enroll(31, b, state="completed")
    c.student(32, "Concluded only", b, state="completed")
    c.student(33, "Inactive only", a, state="inactive")
    c.student(34, "Active-and-inactive", b)
    c.enroll(34, a, state="inactive")
    c.student(35, "Invited", a, state="invited")
    c.student(36, "No results", a)
    c.student(37, "Only hidden and null", a)
    c.student(38, "Deleted", a, state="deleted")
    with_results, without = c.outcome(50), c.outcome(51)
    al, al2 = c.align(with_results, c.asset()), c.align(without, c.asset())
    for uid in (31, 32, 33, 34, 35, 38):
        c.result(uid, al, 3.0, possible=5.0)
    c.result(37, al, 3.0, possible=5.0, hidden=True)
    c.result(37, al2, None, possible=5.0)
    return c


EXCLUSION_CASES = [
    ([], [31, 32, 33, 34, 35, 36, 37]),
    (["CONCLUDED_ENROLLMENTS"], [31, 33, 34, 35, 36, 37]),
    (["INACTIVE_ENROLLMENTS"], [31, 32, 34, 35, 36, 37]),
    (["MISSING_USER_ROLLUPS"], [31, 32, 33, 34, 35]),
    (["MISSING_OUTCOME_RESULTS"], [31, 32, 33, 34, 35, 36, 37]),
    (["CONCLUDED_ENROLLMENTS", "INACTIVE_ENROLLMENTS", "MISSING_USER_ROLLUPS"], [31, 34, 35]),
]


async def test_exclusions_and_total_count_after_them(empty_api):
    c = exclusions_course()
    await c.load(empty_api, teacher=1)
    course = Course(c.doc())
    for exclude, users in EXCLUSION_CASES:
        outcomes = [50] if "MISSING_OUTCOME_RESULTS" in exclude else [50, 51]
        for first in (2, 10):
            nodes, pages = await rollup_pages(empty_api, {"exclude": exclude}, first)
            assert users_of(nodes) == users, (exclude, first)
            assert pages[0]["totalCount"] == len(users)
            assert pages[0]["outcomes"] == [{"id": str(o)} for o in outcomes]
            assert comparable(nodes) == expected_nodes(course, users, outcomes), exclude
    # Within a section, only that section's enrollments count: 31 is concluded in section 11.
    nodes, _ = await rollup_pages(empty_api, {"section": "11", "exclude": ["CONCLUDED_ENROLLMENTS"]}, 10)
    assert users_of(nodes) == [34]
    nodes, _ = await rollup_pages(empty_api, {"section": "10", "exclude": ["INACTIVE_ENROLLMENTS"]}, 10)
    assert users_of(nodes) == [31, 35, 36, 37]
    aggregate = (await gql(empty_api, """{ course(id: 1) { outcomeRollupAggregate(exclude: [CONCLUDED_ENROLLMENTS,
        INACTIVE_ENROLLMENTS, MISSING_OUTCOME_RESULTS]) { scores { outcome { id } count } } } }"""))
    assert aggregate["course"]["outcomeRollupAggregate"]["scores"] == [{"outcome": {"id": "50"}, "count": 3}]


# ---------------------------------------------------------------- aggregates (docs/behaviour.md §1.8, §8 rows 21, 22)

AGGREGATE = """query($stat: AggregateStat, $userIds: [ID!], $section: ID, $outcomeIds: [ID!]) {
  course(id: 1) { outcomeRollupAggregate(stat: $stat, userIds: $userIds, sectionId: $section,
                                         outcomeIds: $outcomeIds) {
    course { id name } scores { outcome { id } score count title submittedAt hidePoints } } } }"""


def row_21(course_method: dict | None = None) -> CourseBuilder:
    """Outcome A: user10 {0.0, 1.0} (created 1.0 then 0.0), user20 {2.0}, user30 {3.0}, user40 {40.0};
    outcome B: user10 {5.0}, user20 {6.0}, user40 {70.0}; highest per user unless the course says otherwise."""
    c = CourseBuilder(calculation_method=course_method)
    c.section(10)
    c.teacher(1)
    for uid in (10, 20, 30, 40):
        c.student(uid, f"User {uid}")
    # points possible 1 with possible 1: the stored percent times the points is the raw score, exactly
    one_point = [{"description": "all", "points": 1}, {"description": "none", "points": 0}]
    a, b = c.outcome(61, "A", ratings=one_point), c.outcome(62, "B", ratings=one_point)
    a1, a2, b1 = c.align(a, c.asset()), c.align(a, c.asset()), c.align(b, c.asset())
    c.result(10, a1, 1.0, possible=1.0, rid=9001, hide_points=True)
    c.result(10, a2, 0.0, possible=1.0, rid=9002, hide_points=True)
    for uid, score in ((20, 2.0), (30, 3.0), (40, 40.0)):
        c.result(uid, a1, score, possible=1.0)
    for uid, score in ((10, 5.0), (20, 6.0), (40, 70.0)):
        c.result(uid, b1, score, possible=1.0, hide_points=True)
    return c


async def test_spec_row_21_mean_and_median(empty_api):
    await row_21().load(empty_api, teacher=1)
    want = {"MEAN": [("61", 11.5, 4), ("62", 27.0, 3)], "MEDIAN": [("61", 2.5, 4), ("62", 6.0, 3)]}
    for stat, expected in want.items():
        data = (await gql(empty_api, AGGREGATE, {"stat": stat}))["course"]["outcomeRollupAggregate"]
        assert data["course"] == {"id": "1", "name": "Tiny course"}
        assert [(s["outcome"]["id"], s["score"], s["count"]) for s in data["scores"]] == expected
        assert [(s["title"], s["submittedAt"], s["hidePoints"]) for s in data["scores"]] == \
            [(None, None, False), (None, None, True)]  # docs/behaviour.md §1.8 item 7
    default = (await gql(empty_api, AGGREGATE, {}))["course"]["outcomeRollupAggregate"]["scores"]
    assert [s["score"] for s in default] == [11.5, 27.0]
    some = (await gql(empty_api, AGGREGATE, {"userIds": ["10", "30"], "stat": "MEDIAN"})
            )["course"]["outcomeRollupAggregate"]["scores"]
    assert [(s["outcome"]["id"], s["score"], s["count"]) for s in some] == [("61", 2.0, 2), ("62", 5.0, 1)]
    none = (await gql(empty_api, AGGREGATE, {"userIds": []}))["course"]["outcomeRollupAggregate"]["scores"]
    assert none == []


async def test_spec_row_22_a_course_calculation_method_overrides_the_outcomes(empty_api):
    await row_21({"method": "latest", "int": None}).load(empty_api, teacher=1)
    data = (await gql(empty_api, AGGREGATE, {"stat": "MEAN"}))["course"]["outcomeRollupAggregate"]["scores"]
    assert [(s["outcome"]["id"], s["score"], s["count"]) for s in data] == [("61", 11.25, 4), ("62", 27.0, 3)]
    methods = (await gql(empty_api, "{ course(id: 1) { outcomes { calculationMethod calculationInt } } }"))
    assert methods["course"]["outcomes"] == [{"calculationMethod": "LATEST", "calculationInt": None}] * 2


async def test_aggregates_of_the_demo_course_match_the_engine(api):
    for stat in ("mean", "median"):
        expected = DEMO_COURSE.aggregates(stat)
        data = (await gql(api, AGGREGATE, {"stat": stat.upper()}))["course"]["outcomeRollupAggregate"]["scores"]
        assert [(s["outcome"]["id"], api_score(s)) for s in data] == \
            [(str(o), engine_score(expected[o])) for o in DEMO_COURSE.outcome_ids() if o in expected]
        section = DEMO_COURSE.aggregates(stat, users=DEMO_COURSE.students(section=12))
        data = (await gql(api, AGGREGATE, {"stat": stat.upper(), "section": "12"})
                )["course"]["outcomeRollupAggregate"]["scores"]
        assert [(s["outcome"]["id"], api_score(s)) for s in data] == \
            [(str(o), engine_score(section[o])) for o in DEMO_COURSE.outcome_ids() if o in section]


# ---------------------------------------------------------------- rating percents and mastery distribution

DISTRIBUTION = """query($userIds: [ID!], $addDefaults: Boolean) { course(id: 1) {
  outcomeRollups(userIds: $userIds, first: 1) { outcomes(ratingPercents: true) { id ratings { points percent } } }
  masteryDistribution(userIds: $userIds, addDefaults: $addDefaults) {
    outcome { id } totalStudents ratings { description points color count studentIds } } } }"""


async def test_spec_row_37_rating_percents_over_all_selected_students(empty_api):
    c = CourseBuilder()
    c.section(10)
    c.teacher(1)
    for uid in (10, 20, 30):
        c.student(uid, f"User {uid}")
    o = c.outcome(70, mastery_points=3)  # the default criterion 5/3/0, highest
    al, al2 = c.align(o, c.asset()), c.align(o, c.asset())
    c.result(10, al, 4.0, possible=5.0)
    c.result(20, al, 5.0, possible=5.0)
    c.result(20, al2, 3.0, possible=5.0)
    await c.load(empty_api, teacher=1)
    data = (await gql(empty_api, DISTRIBUTION, {"addDefaults": True}))["course"]
    # first: 1 — the percents cover every selected student, not the page
    assert data["outcomeRollups"]["outcomes"] == [
        {"id": "70", "ratings": [{"points": 5.0, "percent": 50}, {"points": 3.0, "percent": 50},
                                 {"points": 0.0, "percent": 0}]}]
    assert data["masteryDistribution"] == [{"outcome": {"id": "70"}, "totalStudents": 2, "ratings": [
        {"description": "Exceeds Expectations", "points": 5.0, "color": "2B7ABC", "count": 1, "studentIds": ["20"]},
        {"description": "Meets Expectations", "points": 3.0, "color": "03893D", "count": 1, "studentIds": ["10"]},
        {"description": "Does Not Meet Expectations", "points": 0.0, "color": "555555", "count": 0,
         "studentIds": []}]}]
    plain = (await gql(empty_api, DISTRIBUTION, {}))["course"]["masteryDistribution"]
    # without addDefaults: the stored colour, else Canvas's default by the level where mastery begins (3 of 5/3/0)
    assert [r["color"] for r in plain[0]["ratings"]] == ["2B7ABC", "03893D", "555555"]
    mine = (await gql(empty_api, DISTRIBUTION, {"userIds": ["10"]}))["course"]
    assert mine["outcomeRollups"]["outcomes"][0]["ratings"][1] == {"points": 3.0, "percent": 100}
    assert mine["masteryDistribution"][0]["totalStudents"] == 1


async def test_spec_row_50_rating_percents_two_ratings(empty_api):
    await row_48().load(empty_api, teacher=1)
    data = (await gql(empty_api, DISTRIBUTION, {}))["course"]
    assert data["outcomeRollups"]["outcomes"] == [
        {"id": "50", "ratings": [{"points": 3.0, "percent": 50}, {"points": 0.0, "percent": 50}]}]
    assert [(r["count"], r["studentIds"]) for r in data["masteryDistribution"][0]["ratings"]] == \
        [(1, ["11"]), (1, ["12"])]
    without = (await gql(empty_api, "{ course(id: 1) { outcomeRollups { outcomes { ratings { percent } } } } }"))
    assert without["course"]["outcomeRollups"]["outcomes"] == [{"ratings": [{"percent": None}, {"percent": None}]}]


async def test_a_course_mastery_scale_buckets_rollups_and_supplies_colours(empty_api):
    scale = {"ratings": [{"description": "Exceeds", "points": 4, "mastery": False, "color": "0374B5"},
                         {"description": "Mastery", "points": 3, "mastery": True, "color": "0B874B"},
                         {"description": "Near", "points": 2, "mastery": False, "color": "FAB901"},
                         {"description": "Below", "points": 1, "mastery": False, "color": "D97900"},
                         {"description": "None", "points": 0, "mastery": False, "color": "E0061F"}]}
    c = CourseBuilder(mastery_scale=scale)
    c.section(10)
    c.teacher(1)
    for uid in (10, 20, 30):
        c.student(uid, f"User {uid}")
    o = c.outcome(70)  # its own 5/3/0 criterion is replaced by the course scale (docs/behaviour.md §4.2, §8 row 38)
    al = c.align(o, c.asset())
    for uid, score in ((10, 4.0), (20, 5.0), (30, 2.0)):
        c.result(uid, al, score, possible=5.0)
    await c.load(empty_api, teacher=1)
    data = (await gql(empty_api, DISTRIBUTION, {}))["course"]
    # rollups 3.2, 4.0, 1.6: percent x the scale's 4 points
    assert data["outcomeRollups"]["outcomes"][0]["ratings"] == [
        {"points": p, "percent": q} for p, q in ((4.0, 33), (3.0, 33), (2.0, 0), (1.0, 33), (0.0, 0))]
    assert [(r["color"], r["studentIds"]) for r in data["masteryDistribution"][0]["ratings"]] == [
        ("0374B5", ["20"]), ("0B874B", ["10"]), ("FAB901", []), ("D97900", ["30"]), ("E0061F", [])]


# ---------------------------------------------------- Course.outcomes in the viewer's order (docs/behaviour.md §5.2)

async def test_course_outcomes_follow_each_viewers_saved_order(api):
    links = DEMO_COURSE.outcome_ids()
    async with api.engine.begin() as conn:
        await conn.execute(insert(m.OutcomeOrder), [
            {"course_id": 1, "user_id": 1, "outcome_id": 205, "position": 0},
            {"course_id": 1, "user_id": 1, "outcome_id": 203, "position": 1},
            {"course_id": 1, "user_id": 1, "outcome_id": 208, "position": 5}])
    mine = [205, 203, 208] + [o for o in links if o not in (205, 203, 208)]
    query = """query($ids: [ID!], $group: ID) { course(id: 1) { outcomes(outcomeIds: $ids, outcomeGroupId: $group) { id }
      outcomeRollups(userIds: ["101"], outcomeIds: $ids, outcomeGroupId: $group) {
        outcomes { id } edges { node { scores { outcome { id } } } } } } }"""
    data = (await gql(api, query))["course"]
    assert [int(o["id"]) for o in data["outcomes"]] == mine
    assert [int(o["id"]) for o in data["outcomeRollups"]["outcomes"]] == mine
    scored = [int(s["outcome"]["id"]) for s in data["outcomeRollups"]["edges"][0]["node"]["scores"]]
    assert scored == [o for o in mine if o in scored]
    ta = (await gql(api, "{ course(id: 1) { outcomes { id } } }", as_="ta"))["course"]["outcomes"]
    assert [int(o["id"]) for o in ta] == links  # someone else's order is not the TA's
    some = (await gql(api, query, {"ids": ["201", "208", "205"]}))["course"]["outcomes"]
    assert [o["id"] for o in some] == ["205", "208", "201"]
    group = (await gql(api, query, {"group": "2"}))["course"]["outcomes"]
    assert [o["id"] for o in group] == ["203", "208", "202"]


# ---------------------------------------------------------------- errors (docs/behaviour.md §3.9)

ROLLUP_ERRORS = [
    ("teacher", {"sortBy": "OUTCOME"}, "BAD_USER_INPUT",
     "sortBy: OUTCOME needs sortOutcomeId, the outcome whose scores order the students"),
    ("teacher", {"sortBy": "OUTCOME", "sortOutcomeId": "abc"}, "BAD_USER_INPUT",
     "sortOutcomeId: 'abc' is not an id (a positive integer)"),
    ("teacher", {"sortBy": "OUTCOME", "sortOutcomeId": "0"}, "BAD_USER_INPUT",
     "sortOutcomeId: '0' is not an id (a positive integer)"),
    ("teacher", {"sortOutcomeId": "201"}, "BAD_USER_INPUT", "sortOutcomeId needs sortBy: OUTCOME"),
    ("teacher", {"sortBy": "STUDENT", "sortOutcomeId": "201"}, "BAD_USER_INPUT", "sortOutcomeId needs sortBy: OUTCOME"),
    ("teacher", {"sortBy": "OUTCOME", "sortOutcomeId": "999"}, "NOT_FOUND",
     "sortOutcomeId: outcome 999 is not linked in this course"),
    ("teacher", {"sortBy": "OUTCOME", "sortOutcomeId": "201", "outcomeIds": ["202"]}, "BAD_USER_INPUT",
     "sortOutcomeId: outcome 201 is not among the outcomes outcomeIds or outcomeGroupId select"),
    ("student", {"sortBy": "OUTCOME"}, "FORBIDDEN", "users not specified and no access to all grades"),
    ("student", {"userIds": ["102"], "sortBy": "OUTCOME"}, "FORBIDDEN",
     "not authorized to read grades for specified users"),
    ("teacher", {"userIds": ["101"], "section": "10"}, "BAD_USER_INPUT", "pass userIds or sectionId, not both"),
    ("teacher", {"section": "4"}, "NOT_FOUND", "sectionId: no section 4 in this course"),
    ("teacher", {"outcomeIds": ["201"], "group": "2"}, "BAD_USER_INPUT", "pass outcomeIds or outcomeGroupId, not both"),
    ("teacher", {"outcomeIds": ["1"]}, "NOT_FOUND", "outcomeIds: outcome 1 is not linked in this course"),
    ("teacher", {"group": "7"}, "NOT_FOUND", "outcomeGroupId: no outcome group 7 in this course"),
    ("teacher", {"userIds": ["3"]}, "NOT_FOUND", "userIds: 3 is not a student of this course"),
    ("observer", {"userIds": ["9999"]}, "FORBIDDEN", "not authorized to read grades for specified users"),
    ("teacher", {"first": 101}, "BAD_USER_INPUT", "first must be at most 100 (the maximum page size), got 101"),
    ("teacher", {"first": -5}, "BAD_USER_INPUT", "first must be between 0 and 100, got -5"),
    ("teacher", {"after": "bm9wZQ=="}, "BAD_USER_INPUT",
     BAD_CURSOR.format("'bm9wZQ=='")),
]


async def test_rollup_errors_carry_canvas_messages_in_canvas_order(api):
    failures = []
    for role, variables, code, message in ROLLUP_ERRORS:
        body = (await api.raw(ROLLUPS, variables, token=api.tokens[role])).json()
        got = [(e["message"], e["extensions"]["code"], e["path"]) for e in body.get("errors", [])]
        partial = {"course": {"outcomeRollups": None}}  # partial results: the course survives
        if got != [(message, code, ["course", "outcomeRollups"])] or body["data"] != partial:
            failures.append((role, variables, got))
    assert not failures


async def test_a_cursor_of_another_sort_is_bad_input(api):
    page = (await gql(api, ROLLUPS, {"sortBy": "STUDENT", "first": 2}))["course"]["outcomeRollups"]
    cursor = page["pageInfo"]["endCursor"]
    for variables in ({}, {"sortBy": "STUDENT", "sortOrder": "DESC"}, {"sortBy": "OUTCOME", "sortOutcomeId": "201"}):
        body = await gql(api, ROLLUPS, {**variables, "after": cursor}, errors=True)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], variables
