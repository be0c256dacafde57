"""N+1 is a test (docs/conventions.md §11): the SQL statements a request costs do not grow with the results, outcomes or
students it returns. One generated course of 120 students x 50 outcomes x 2 results per test.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from outcome_graph.db import models as m
from outcome_graph.db.tokens import create_token
from outcome_graph.settings import Settings
from tests.api.course_builder import CourseBuilder

STUDENTS, OUTCOMES = 120, 50
STUDENT_IDS = [1000 + i for i in range(STUDENTS)]
OUTCOME_IDS = [5000 + j for j in range(OUTCOMES)]


def big_course() -> CourseBuilder:
    c = CourseBuilder(name="Big course")
    sections = [c.section(10), c.section(11), c.section(12)]
    c.teacher(1, sections[0])
    c.user(2, "Limited TA")
    c.enroll(2, sections[1], "ta", limit_to_section=True)
    for i, uid in enumerate(STUDENT_IDS):
        c.student(uid, f"Student {uid}", sections[i % 3], *([sections[(i + 1) % 3]] if i % 10 == 0 else []))
    groups = [c.group(f"Strand {k}") for k in range(5)]
    methods = ["decaying_average", "weighted_average", "standard_decaying_average", "n_mastery", "latest",
               "highest", "average"]
    assets = [c.asset(type=t, post_policy="manual" if t == "assignment" and k == 0 else "automatic")
              for k, t in enumerate(["assignment", "assignment", "quiz", "rubric", "question_bank"])]
    rid = 100_000
    for j, oid in enumerate(OUTCOME_IDS):
        c.outcome(oid, method=methods[j % 7], group=groups[j % 5])
        pair = [c.align(oid, assets[(j + k) % len(assets)]) for k in (0, 1)]
        for n, uid in enumerate(STUDENT_IDS):
            for k, aid in enumerate(pair):
                rid += 1
                c.result(uid, aid, float((uid + oid + k) % 6), possible=5.0, submitted=1_780_000_000 + k * 86_400 + n,
                         hidden=rid % 97 == 0, posted=rid % 5 != 0, rid=rid,
                         artifact_type="quiz_submission" if j % 5 == 2 else "rubric_assessment")
    return c


@pytest.fixture
def settings(database_url) -> Settings:
    """Every field the read paths have, on full pages: over the default cost limit, which is not what this
    test is about (tests/api/test_request_budget.py is)."""
    return Settings(database_url=database_url, run_worker=False, response_cache_size=0, max_cost=10**7)


@pytest.fixture
async def big(empty_api):
    c = big_course()
    assert len(c.results) == STUDENTS * OUTCOMES * 2
    await c.load(empty_api, teacher=1, ta=2, student=STUDENT_IDS[0])
    return empty_api


def ids(values) -> list[str]:
    return [str(v) for v in values]


# Shapes avoid a loader fed at two depths (e.g. OutcomeResult.alignment's asset and Outcome.alignments' assets): there
# a page of many results finds the deeper keys already cached and costs one statement *less* than a page of one.
RESULTS = """query($first: Int, $outcomeIds: [ID!], $userIds: [ID!]) { course(id: 1) {
  outcomeResults(first: $first, outcomeIds: $outcomeIds, userIds: $userIds) { totalCount
    edges { cursor node { id score percent submittedOrAssessedAt posted visibleToStudent
      user { id name sortableName sisUserId }
      outcome { id title pointsPossible masteryPoints calculationMethod ratings { points }
                group { id title parent { id } } path { parts { name } } }
      alignment { id name assetString outcome { id } }
      assignment { id name } } } } } }"""

OUTCOMES_QUERY = """query($outcomeIds: [ID!]) { course(id: 1) { outcomes(outcomeIds: $outcomeIds) {
  id title pointsPossible masteryPoints calculationMethod calculationInt ratings(addDefaults: true) { points color }
  group { id title parent { id } children { id } } path { parts { name } } alignments { id name assetString } } } }"""

ROLLUPS = """query($first: Int, $outcomeIds: [ID!], $sortBy: RollupSortBy, $sortOutcomeId: ID, $userIds: [ID!]) {
  course(id: 1) {
  outcomeRollups(first: $first, outcomeIds: $outcomeIds, sortBy: $sortBy, sortOutcomeId: $sortOutcomeId,
                 userIds: $userIds) { totalCount
    outcomes(ratingPercents: true) { id ratings { percent } }
    edges { cursor node { user { id name sisUserId } sections { id name } enrollmentStatus
      enrollments { status section { id } } scoreSlots { score }
      scores { score count title submittedAt hidePoints outcome { id } rating { points mastery color } } } } } } }"""

AGGREGATES = """query($userIds: [ID!]) { course(id: 1) {
  outcomeRollupAggregate(userIds: $userIds) {
    scores { score count rating { points } outcome { id title ratings { points } } } }
  masteryDistribution(userIds: $userIds) { totalStudents outcome { id } ratings { count studentIds } } } }"""

ME = """{ me { isAdmin user { id } enrollments { course { id name } section { id } role state observedUser { id } }
  courses { course { id } roles grader changesScoring gradedSections { id } } } }"""

CONTRIBUTING = """query($userIds: [ID!]) { course(id: 1) { contributingScores(outcomeId: "5002", userIds: $userIds) {
  outcome { id } alignments { alignmentId associatedAssetName }
  scores { userId alignmentId score user { name } alignment { id name } } } } }"""


async def counts(api, query: str, cases: dict[str, dict], as_: str = "teacher") -> dict[str, int]:
    """Statements per case, each after a warm-up request of its own (Api.statements: the pool's first
    connections are not the query's, and a totalCount is counted once per data version:
    test_total_count_is_counted_once_per_data_version_and_only_when_asked)."""
    return {name: await api.statements(query, variables, as_=as_) for name, variables in cases.items()}


async def test_statements_do_not_grow_with_results_outcomes_or_students(big):
    """One import, every read path: each group of cases must cost the same number of statements."""
    two = ids(OUTCOME_IDS[3:5])
    groups = {
        # unfiltered, the students and outcomes are subqueries of the page; filters are checked first
        "outcomeResults": await counts(big, RESULTS, {"1 result": {"first": 1}, "100 results": {"first": 100}}),
        "outcomeResults by outcome": await counts(big, RESULTS, {
            "1 outcome": {"first": 100, "outcomeIds": ids(OUTCOME_IDS[:1])},
            "50 outcomes": {"first": 100, "outcomeIds": ids(OUTCOME_IDS)}}),
        "outcomeResults by student": await counts(big, RESULTS, {
            "1 student": {"first": 100, "userIds": ids(STUDENT_IDS[:1])},
            "100 students": {"first": 100, "userIds": ids(STUDENT_IDS[:100])}}),
        "outcomeResults (section-limited TA)": await counts(big, RESULTS, {
            "1 result": {"first": 1}, "100 results": {"first": 100}}, as_="ta"),
        "outcomeResults (student)": await counts(big, RESULTS, {
            "1 result": {"first": 1, "userIds": ["self"]}, "100 results": {"first": 100, "userIds": ["self"]}},
            as_="student"),
        "Course.outcomes": await counts(big, OUTCOMES_QUERY, {
            "1 outcome": {"outcomeIds": ids(OUTCOME_IDS[:1])}, "50 outcomes": {"outcomeIds": ids(OUTCOME_IDS)}}),
        "outcomeAggregate + masteryDistribution": await counts(big, AGGREGATES, {
            "1 student": {"userIds": ids(STUDENT_IDS[:1])}, "100 students": {"userIds": ids(STUDENT_IDS[:100])}}),
        "contributingScores": await counts(big, CONTRIBUTING, {
            "1 student": {"userIds": ids(STUDENT_IDS[:1])}, "100 students": {"userIds": ids(STUDENT_IDS[:100])}}),
    }
    for sort in (None, "STUDENT", "OUTCOME"):
        by = {"sortBy": sort, "sortOutcomeId": "5003" if sort == "OUTCOME" else None}
        groups[f"outcomeRollups sortBy {sort}"] = await counts(big, ROLLUPS, {
            "1 student": {"first": 1, **by, "outcomeIds": two},
            "100 students": {"first": 100, **by, "outcomeIds": two},
            "1 outcome": {"first": 5, **by, "outcomeIds": ids(OUTCOME_IDS[3:4])},
            "50 outcomes": {"first": 5, **by, "outcomeIds": ids(OUTCOME_IDS)}})
    groups["outcomeRollups (section-limited TA)"] = await counts(big, ROLLUPS, {
        "1 student": {"first": 1, "outcomeIds": two}, "40 students": {"first": 100, "outcomeIds": two}}, as_="ta")
    groups["outcomeRollups (student, unposted results)"] = await counts(big, ROLLUPS, {
        "1 outcome": {"userIds": ["self"], "outcomeIds": ids(OUTCOME_IDS[:1])},
        "50 outcomes": {"userIds": ["self"], "outcomeIds": ids(OUTCOME_IDS)}}, as_="student")
    # stale stored rollups are computed on the fly, still set-wise
    async with big.engine.begin() as conn:
        await conn.execute(update(m.Course).values(scoring_version=m.Course.scoring_version + 1))
    groups["outcomeRollups (stale)"] = await counts(big, ROLLUPS, {
        "1 student": {"first": 1, "outcomeIds": two}, "100 students": {"first": 100, "outcomeIds": two},
        "50 outcomes": {"first": 5, "outcomeIds": ids(OUTCOME_IDS)}})
    report = "\n".join(f"{name}: {measured}" for name, measured in groups.items())
    print(f"\nstatements per request ({big.engine.dialect.name}):\n{report}")
    assert all(len(set(measured.values())) == 1 for measured in groups.values()), report


async def test_me_costs_the_same_for_one_course_or_many(empty_api):
    """Query.me lists the viewer's enrollments and courses: its statements do not grow with them."""
    for course_id in range(1, 7):  # user 2 takes part in six courses in several roles, user 3 in one
        c = CourseBuilder(course_id=course_id, name=f"Course {course_id}")
        section = c.section(10 * course_id)
        student = c.student(100 + course_id, f"Student {course_id}", section)
        c.user(2, "Many Courses")
        c.enroll(2, section, "ta" if course_id % 2 else "teacher", limit_to_section=course_id % 3 == 0)
        c.enroll(2, section, "observer", associated_user_id=student)
        if course_id == 1:
            c.user(3, "One Course")
            c.enroll(3, section, "observer", associated_user_id=student)
        await c.load(empty_api)
    empty_api.tokens["one"] = await create_token(empty_api.engine, user_id=3)
    empty_api.tokens["many"] = await create_token(empty_api.engine, user_id=2)
    one = await counts(empty_api, ME, {"one course": {}}, as_="one")
    many = await counts(empty_api, ME, {"six courses": {}}, as_="many")
    assert one["one course"] == many["six courses"], (one, many)


PAGE = """query($after: String) { course(id: 1) { outcomeResults(first: 10, after: $after) {
  %s edges { cursor node { id } } } } }"""


async def test_total_count_is_counted_once_per_data_version_and_only_when_asked(big):
    """A page costs what it shows; totalCount adds one count the first time a data version of the course is
    paged, and after a write of the course's data it is counted again (resolvers/counts.py)."""
    without = await counts(big, PAGE % "", {"page": {}})
    asked = PAGE % "totalCount"
    first = await big.statements(asked, {}, warm=False)
    again = await big.statements(asked, {}, warm=False)
    assert (first, again) == (without["page"] + 1, without["page"]), (first, again, without)

    async def total(after=None):
        page = (await big.query(asked, {"after": after}, as_="teacher"))["course"]["outcomeResults"]
        return page["totalCount"], page["edges"][-1]["cursor"]

    count, cursor = await total()
    assert count == (await total(cursor))[0] == sum(1 for r in big_course().results if not r["hidden"])
    mine = big_course().results[0]
    record = """mutation($r: [OutcomeResultInput!]!) { recordOutcomeResults(courseId: 1, results: $r) { id } }"""
    await big.query(record, {"r": [{"userId": str(mine["user_id"]), "alignmentId": str(mine["alignment_id"]),
                                    "score": 1.0, "possible": 5.0}]}, as_="teacher")
    assert await big.statements(asked, {}, warm=False) == first  # a new data version: counted again
    assert (await total())[0] == count
