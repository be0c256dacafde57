"""Regression tests of the one access policy (docs/access.md), one per class of leak issue 12 found: an outcome
shown in another course's tree, a deleted enrollment that still granted, unpublished alignments shown to
students, malformed federation representations, an existence oracle, a section-limited TA changing course-wide
scoring, and a bad token answered as anonymous."""

from __future__ import annotations

import orjson
from sqlalchemy import func, insert, select, update

from outcome_graph.db import models as m
from tests.api.second_course import B_ASSIGNMENT, B_GROUP, B_STUDENT, load_second_course
from tests.conftest import DEMO

DEMO_DOC = orjson.loads(DEMO.read_bytes())
OUTCOME_201 = next(o for o in DEMO_DOC["outcomes"] if o["id"] == 201)["title"]
UNPUBLISHED = {a["id"] for a in DEMO_DOC["assets"] if not a["published"]}
NOT_FOUND = ("The specified resource does not exist.", "NOT_FOUND")
NOT_AUTHORIZED_GRADES = ("not authorized to read grades for specified users", "FORBIDDEN")


async def ask(api, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    return (await api.raw(query, variables, token=token)).json()


def errors_of(body: dict) -> list[tuple[str, str]]:
    return [(e["message"], e["extensions"]["code"]) for e in body.get("errors") or []]


def entities(reps: list) -> dict:
    return {"r": reps}


# ------------------------------------------------------------------ outcomes reached without a course (finding 5)

TREE = "group { title parent { title } children { title } outcomes { id } } path { parts { name } } alignments { name }"


async def test_an_outcome_reached_without_a_course_shows_the_viewers_course_only(api):
    b = await load_second_course(api)
    mine = {"group": {"title": B_GROUP, "parent": {"title": b.name}, "children": [], "outcomes": [{"id": "201"}]},
            "path": {"parts": [{"name": B_GROUP}, {"name": OUTCOME_201}]}, "alignments": [{"name": B_ASSIGNMENT}]}
    token = api.tokens["b_student"]
    assert await ask(api, "{ outcome(id: 201) { %s } }" % TREE, token=token) == {"data": {"outcome": mine}}
    by_ref = await ask(api, "query($r: [_Any!]!) { _entities(representations: $r) { ... on Outcome { %s } } }" % TREE,
                       entities([{"__typename": "Outcome", "id": "201"}]), token)
    assert by_ref == {"data": {"_entities": [mine]}}
    through_alignment = await ask(
        api, "query($r: [_Any!]!) { _entities(representations: $r) { ... on Alignment { outcome { %s } } } }" % TREE,
        entities([{"__typename": "Alignment", "id": str(b.quiz)}]), token)
    assert through_alignment == {"data": {"_entities": [{"outcome": mine}]}}
    # and the demo course's people never see course 2's tree, nor its alignments
    teacher = await api.query("{ outcome(id: 201) { group { title } alignments { name } } }", as_="teacher")
    assert teacher["outcome"]["group"]["title"] != B_GROUP
    assert B_ASSIGNMENT not in {a["name"] for a in teacher["outcome"]["alignments"]}


# ------------------------------------------------------------------ deleted enrollments (finding 6)

async def add_enrollment(api, **values) -> None:
    async with api.engine.begin() as conn:
        next_id = (await conn.execute(select(func.max(m.Enrollment.id)))).scalar() + 1
        await conn.execute(insert(m.Enrollment).values(id=next_id, course_id=1, limit_to_section=False, **values))


RESULT = "query($r: [_Any!]!) { _entities(representations: $r) { ... on OutcomeResult { id score } } }"
USER = "query($id: ID!) { user(id: $id) { id } }"
RESULTS_OF = "query($u: [ID!]) { course(id: 1) { outcomeResults(userIds: $u) { totalCount } } }"


async def test_a_deleted_enrollment_grants_nothing_on_any_path(api):
    # student 101 (section 10) once was in the TA's section 11: that enrollment is deleted
    await add_enrollment(api, section_id=11, user_id=101, role="student", state="deleted")
    ta = api.tokens["ta"]
    assert await ask(api, RESULT, entities([{"__typename": "OutcomeResult", "id": "1001"}]), ta) == \
        {"data": {"_entities": [None]}}
    assert errors_of(await ask(api, USER, {"id": "101"}, ta)) == [NOT_FOUND]
    assert errors_of(await ask(api, RESULTS_OF, {"u": ["101"]}, ta)) == [NOT_AUTHORIZED_GRADES]
    record = await ask(api, 'mutation { recordOutcomeResults(courseId: 1, results: [{userId: "101", alignmentId: '
                            '"401", score: 1}]) { id } }', token=ta)
    assert [e["extensions"]["code"] for e in record["errors"]] == ["FORBIDDEN"]
    # an observed student whose enrollment was deleted: their results are no longer anyone's to read
    observer = api.tokens["observer"]
    reps = entities([{"__typename": "OutcomeResult", "id": "1088"}])
    assert (await ask(api, RESULT, reps, observer))["data"]["_entities"] != [None]
    async with api.engine.begin() as conn:
        await conn.execute(update(m.Enrollment).where(m.Enrollment.user_id == 107).values(state="deleted"))
    assert await ask(api, RESULT, reps, observer) == {"data": {"_entities": [None]}}
    assert await ask(api, RESULT, reps, api.tokens["teacher"]) == {"data": {"_entities": [None]}}
    async with api.engine.begin() as conn:
        await conn.execute(update(m.Enrollment).where(m.Enrollment.user_id == 107).values(state="active"))
    # the same for an observer whose link was deleted: nothing of the student, and no course left
    async with api.engine.begin() as conn:
        await conn.execute(update(m.Enrollment).where(m.Enrollment.user_id == 3).values(state="deleted"))
    assert await ask(api, RESULT, entities([{"__typename": "OutcomeResult", "id": "1088"}]), observer) == \
        {"data": {"_entities": [None]}}
    assert errors_of(await ask(api, USER, {"id": "107"}, observer)) == [NOT_FOUND]
    assert errors_of(await ask(api, RESULTS_OF, {"u": ["107"]}, observer)) == [NOT_FOUND]


# ------------------------------------------------------------------ unpublished alignments (finding 7)

def published_alignments(outcome_id: int, grader: bool) -> list[dict]:
    return [{"id": str(a["id"])} for a in DEMO_DOC["alignments"]
            if a["outcome_id"] == outcome_id and (grader or a["asset_id"] not in UNPUBLISHED)]


async def test_unpublished_alignments_are_for_graders_only_wherever_alignments_are_listed(api):
    [unpublished] = [a["id"] for a in DEMO_DOC["alignments"] if a["asset_id"] in UNPUBLISHED]
    outcome = next(a["outcome_id"] for a in DEMO_DOC["alignments"] if a["id"] == unpublished)
    listed = ("query($o: [ID!], $id: ID!) { course(id: 1) { outcomes(outcomeIds: $o) { alignments { id } } } "
              "outcome(id: $id) { alignments { id } } }")
    by_ref = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Alignment { id } } }"
    reps = entities([{"__typename": "Alignment", "id": str(unpublished)}])
    for role, grader in (("teacher", True), ("ta", True), ("student", False), ("observer", False)):
        want = published_alignments(outcome, grader)
        data = await api.query(listed, {"o": [str(outcome)], "id": str(outcome)}, as_=role)
        assert data == {"course": {"outcomes": [{"alignments": want}]}, "outcome": {"alignments": want}}, role
        assert await api.query(by_ref, reps, as_=role) == \
            {"_entities": [{"id": str(unpublished)} if grader else None]}, role


# ------------------------------------------------------------------ malformed representations (finding 8)

async def test_malformed_representations_are_bad_user_input_naming_the_problem(api):
    reps = [{"__typename": "Section", "id": "10"}, {"__typename": "User"}, {"id": "101"}, "User:101",
            {"__typename": "User", "id": True}, {"__typename": "User", "id": "101", "name": "x"},
            {"__typename": "User", "id": "101"}]
    body = await ask(api, "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }",
                     entities(reps), api.tokens["teacher"])
    assert body["data"] == {"_entities": [None] * 6 + [{"id": "101"}]}
    assert [(e["path"], e["extensions"]["code"], e["message"]) for e in body["errors"]] == [
        (["_entities", i], "BAD_USER_INPUT", f"representations[{i}]: {message}") for i, message in enumerate([
            "'Section' is not an entity type of this service (Alignment, Course, Outcome, OutcomeResult, User)",
            "User needs its key field 'id'",
            "__typename is missing",
            "expected an object with __typename and id, got str",
            "User.id must be an ID (a string or an integer)",
            "unknown field 'name' for User (its key is 'id')"])]


# ------------------------------------------------------------------ existence oracle (finding 9)

ENQUEUE = "mutation($c: ID!) { enqueueOutcomeRollupCalculation(courseId: $c) { id } }"


async def test_an_unknown_id_and_a_forbidden_one_answer_alike(api):
    await load_second_course(api)
    job = (await api.query(ENQUEUE, {"c": "1"}, as_="teacher"))["enqueueOutcomeRollupCalculation"]["id"]
    outsider, student = api.tokens["b_student"], api.tokens["student"]
    probes = [  # (query, variables for a thing that exists, for one that does not)
        ("query($v: ID!) { course(id: $v) { name } }", "1", "999"),
        ("query($v: ID!) { outcome(id: $v) { title } }", "202", "999"),
        ("query($v: ID!) { user(id: $v) { name } }", "101", "99999"),
        ("query($v: ID!) { user(id: $v) { name } }", "sis_user_id:S0101", "sis_user_id:NOPE"),
        ("query($v: ID!) { rollupJob(id: $v) { state } }", job, "999999"),
        ("mutation($v: ID!) { enqueueOutcomeRollupCalculation(courseId: $v) { id } }", "1", "999"),
        ("mutation($v: ID!) { recordOutcomeResults(courseId: $v, results: []) { id } }", "1", "999"),
        ("mutation($v: ID!) { setCourseCalculationMethod(courseId: $v, method: HIGHEST) { id } }", "1", "999"),
    ]
    for query, known, unknown in probes:
        there = await ask(api, query, {"v": known}, outsider)
        assert there.get("errors") and there == await ask(api, query, {"v": unknown}, outsider), (query, there)
    # a student of the course: a job of their course, and the roster through userIds
    job_query = probes[4][0]
    assert await ask(api, job_query, {"v": job}, student) == await ask(api, job_query, {"v": "999999"}, student)
    for user_ids in (["102"], ["99999"], [str(B_STUDENT)], ["sis_user_id:S0102"], ["sis_user_id:NOPE"],
                     ["self", "102"]):
        assert errors_of(await ask(api, RESULTS_OF, {"u": user_ids}, student)) == [NOT_AUTHORIZED_GRADES], user_ids


# ------------------------------------------------------------------ course-wide scoring (finding 11a)

SCORING = [
    "mutation { setCourseCalculationMethod(courseId: 1, method: HIGHEST) { id } }",
    'mutation { setCourseMasteryScale(courseId: 1, ratings: [{description: "Yes", points: 1, mastery: true}, '
    '{description: "No", points: 0}]) { id } }',
    'mutation { updateOutcome(courseId: 1, outcomeId: 201, input: {title: "Renamed", calculationMethod: LATEST}) '
    "{ id } }",
]
STATE = "{ course(id: 1) { outcomes { id title calculationMethod pointsPossible ratings { points } } } }"


async def test_only_teachers_and_admins_change_course_wide_scoring(api):
    before = await api.query(STATE, as_="teacher")
    for limited in (True, False):  # the demo TA is limited to section 11; then not
        async with api.engine.begin() as conn:
            await conn.execute(update(m.Enrollment).where(m.Enrollment.user_id == 2)
                               .values(limit_to_section=limited))
        for mutation in SCORING:
            body = await ask(api, mutation, token=api.tokens["ta"])
            assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], (limited, mutation)
    assert await api.query(STATE, as_="teacher") == before
    # what a section-limited TA may do: grade and recalculate their own students
    await api.query('mutation { recordOutcomeResults(courseId: 1, results: [{userId: "111", alignmentId: "401", '
                    "score: 2}]) { id } }", as_="ta")
    await api.query('mutation { enqueueOutcomeRollupCalculation(courseId: 1, userId: "111") { id } }', as_="ta")
    for mutation in SCORING:
        await api.query(mutation, as_="teacher")
    assert await api.query(STATE, as_="teacher") != before


# ------------------------------------------------------------------ a bad token (finding 11c)

async def test_a_bad_token_is_unauthenticated_even_for_viewer(api):
    body = await ask(api, "{ viewer { name } }", token="not-a-token")
    assert body["data"] == {"viewer": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert await ask(api, "{ viewer { name } }") == {"data": {"viewer": None}}  # no token: nobody, no error
