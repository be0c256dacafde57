"""Federation entities through our own `_entities` field: batched (N+1 is a test) and access-checked.

The gateway asks for every reference of a type in one `_entities` call; strawberry calls each type's
async resolve_reference once per representation, and the per-request DataLoaders batch them.
"""

from __future__ import annotations

from sqlalchemy import insert

from outcome_graph.db import models as m
from outcome_graph.db.tokens import create_token
from tests.conftest import NO_RESULTS, OBSERVED_STUDENT, STUDENT, TWO_SECTION_STUDENT

ENTITIES = """query($r: [_Any!]!) {
  _entities(representations: $r) {
    __typename
    ... on User { id name sortableName }
    ... on Outcome { id title }
    ... on OutcomeResult { id score user { id } }
    ... on Course { id name }
    ... on Alignment { id assetString outcome { id } }
  }
}"""


def refs(typename: str, ids) -> dict:
    return {"r": [{"__typename": typename, "id": str(i)} for i in ids]}


BATCHES = {
    "User": ([STUDENT], [STUDENT, 102, 103, 104, TWO_SECTION_STUDENT, OBSERVED_STUDENT, NO_RESULTS]),
    "Outcome": ([201], [201, 202, 203, 204, 205, 206]),
    "OutcomeResult": ([1001], list(range(1001, 1011))),
    "Alignment": ([401], list(range(401, 411))),
}


async def test_entities_cost_the_same_statements_for_one_and_many(api):
    for typename, (one, many) in BATCHES.items():
        single = await api.statements(ENTITIES, refs(typename, one), as_="teacher")
        batch = await api.statements(ENTITIES, refs(typename, many), as_="teacher")
        assert batch == single, f"{typename}: {single} statements for 1 reference, {batch} for {len(many)}"
        data = await api.query(ENTITIES, refs(typename, many), as_="teacher")
        assert [e["id"] for e in data["_entities"]] == [str(i) for i in many]


async def test_entities_answer_whole_objects(api):
    data = await api.query(ENTITIES, {"r": [{"__typename": "User", "id": str(STUDENT)},
                                            {"__typename": "Course", "id": "1"}]}, as_="teacher")
    assert data == {"_entities": [
        {"__typename": "User", "id": str(STUDENT), "name": "Maya Patel", "sortableName": "Patel, Maya"},
        {"__typename": "Course", "id": "1", "name": "Grade 7 Science"},
    ]}


async def test_entities_need_a_token(api):
    body = await api.query(ENTITIES, refs("User", [STUDENT, 102]), errors=True)
    assert body["data"] == {"_entities": [None, None]}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["_entities", 0], "UNAUTHENTICATED"), (["_entities", 1], "UNAUTHENTICATED")]


async def test_a_student_resolves_only_themself(api):
    body = (await api.raw(ENTITIES, refs("User", [102, STUDENT, OBSERVED_STUDENT, 999999]),
                          token=api.tokens["student"])).json()
    assert body["data"] == {"_entities": [
        None, {"__typename": "User", "id": str(STUDENT), "name": "Maya Patel", "sortableName": "Patel, Maya"},
        None, None]}
    assert not body.get("errors"), body


async def test_an_observer_resolves_their_student_only(api):
    body = (await api.raw(ENTITIES, refs("User", [OBSERVED_STUDENT, STUDENT]), token=api.tokens["observer"])).json()
    assert [e and e["id"] for e in body["data"]["_entities"]] == [str(OBSERVED_STUDENT), None]


async def other_course(api) -> str:
    """Course 2 aligns demo outcome 201 with its own assignment (alignment 9001); returns a token of a user
    who takes part in no course."""
    async with api.engine.begin() as conn:
        await conn.execute(insert(m.Course).values(id=2, name="Other course"))
        await conn.execute(insert(m.Asset).values(id=9000, course_id=2, type="assignment", name="Elsewhere"))
        await conn.execute(insert(m.Alignment).values(id=9001, course_id=2, outcome_id=201, asset_id=9000))
        await conn.execute(insert(m.OutcomeLink).values(course_id=2, outcome_id=201))
        await conn.execute(insert(m.User).values(id=9002, name="Out Sider", sortable_name="Sider, Out"))
    return await create_token(api.engine, user_id=9002)


async def test_alignments_resolve_for_those_in_their_course_only(api):
    outsider = await other_course(api)
    reps = {"r": [{"__typename": "Alignment", "id": i} for i in ("401", "9001", "999999")]}
    teacher = await api.query(ENTITIES, reps, as_="teacher")
    assert teacher["_entities"] == [{"__typename": "Alignment", "id": "401", "assetString": "assignment_301",
                                     "outcome": {"id": "201"}}, None, None]
    student = await api.query(ENTITIES, reps, as_="student")
    assert [e and e["id"] for e in student["_entities"]] == ["401", None, None]
    admin = await api.query(ENTITIES, reps, as_="admin")
    assert [e and e["id"] for e in admin["_entities"]] == ["401", "9001", None]
    body = (await api.raw(ENTITIES, reps, token=outsider)).json()
    assert body["data"] == {"_entities": [None, None, None]}, body


async def test_an_outcomes_alignments_stay_in_the_viewers_courses(api):
    await other_course(api)
    query = '{ outcome(id: "201") { alignments { id } } }'
    mine = {a["id"] for a in (await api.query(query, as_="teacher"))["outcome"]["alignments"]}
    admins = {a["id"] for a in (await api.query(query, as_="admin"))["outcome"]["alignments"]}
    assert "9001" not in mine and admins == mine, (mine, admins)  # one course's: the first that links it
    course_2 = await api.query('{ course(id: 2) { outcomes { alignments { id } } } }', as_="admin")
    assert course_2 == {"course": {"outcomes": [{"alignments": [{"id": "9001"}]}]}}


USER_ROLLUPS = """query($r: [_Any!]!) {
  _entities(representations: $r) { ... on User { id outcomeRollups(courseId: 1) { user { id } scores { score } } } }
}"""
USER_RESULTS = """query($r: [_Any!]!) {
  _entities(representations: $r) { ... on User { id outcomeResults(courseId: 1, first: 3) { totalCount } } }
}"""
STUDENTS = [STUDENT, 102, 103, 104, OBSERVED_STUDENT]


async def test_user_rollups_of_many_entities_cost_what_one_costs(api):
    single = await api.statements(USER_ROLLUPS, refs("User", STUDENTS[:1]), as_="teacher")
    assert await api.statements(USER_ROLLUPS, refs("User", STUDENTS), as_="teacher") == single


async def test_user_rollups_are_null_for_a_non_student(api):
    data = await api.query(USER_ROLLUPS, refs("User", [1, STUDENT]), as_="teacher")
    assert [e["outcomeRollups"] and e["outcomeRollups"]["user"]["id"] for e in data["_entities"]] == [None, "101"]


async def test_user_results_of_many_entities_cost_what_one_costs(api):
    single = await api.statements(USER_RESULTS, refs("User", STUDENTS[:1]), as_="teacher")
    assert await api.statements(USER_RESULTS, refs("User", STUDENTS), as_="teacher") == single
