"""Who may see what (docs/architecture.md §5, docs/behaviour.md §6): every role of the demo course against every
field that returns student data, asserting exactly the students, results and scores each may see. Expectations
come from the demo bundle (tests/api/expected.py).
"""

from __future__ import annotations

import orjson
import pytest

from outcome_graph.db.tokens import create_token
from tests.api.expected import Course, api_score, engine_score
from tests.api.test_rollups_api import comparable, expected_nodes
from tests.conftest import DEMO

C = Course(orjson.loads(DEMO.read_bytes()))
EVERYONE = C.students()
SECTION_11 = C.students(section=11)

NO_ALL_GRADES = ("users not specified and no access to all grades", "FORBIDDEN")
NOT_AUTHORIZED_GRADES = ("not authorized to read grades for specified users", "FORBIDDEN")
INSUFFICIENT = ("insufficient permissions", "FORBIDDEN")
# Someone outside the course gets the answer an unknown course gets (docs/access.md).
NOT_IN_COURSE = ("The specified resource does not exist.", "NOT_FOUND")
NOT_STUDENTS = ("userIds: self is not a student of this course", "NOT_FOUND")
UNAUTHENTICATED = "UNAUTHENTICATED"

# role -> (kind, students they may read). Graders read every visible student; readers only those listed.
ROLES = {
    "teacher": ("grader", EVERYONE), "admin": ("grader", EVERYONE), "ta": ("grader", SECTION_11),
    "student": ("reader", [101]), "observed": ("reader", [107]), "two_sections": ("reader", [105]),
    "concluded": ("reader", [118]), "no_results": ("reader", [130]), "hidden_results": ("reader", [103]),
    "unposted_results": ("reader", [121]), "observer": ("reader", [107]), "designer": ("reader", []),
    "inactive": ("outsider", []), "anonymous": ("unauthenticated", []), "bad_token": ("unauthenticated", []),
}
SELF = {"student": 101, "observed": 107, "two_sections": 105, "concluded": 118, "no_results": 130,
        "hidden_results": 103, "unposted_results": 121}


@pytest.fixture
async def roles(api):
    api.tokens["hidden_results"] = await create_token(api.engine, user_id=103)
    api.tokens["unposted_results"] = await create_token(api.engine, user_id=121)
    api.tokens["bad_token"] = "not-a-token"
    api.tokens["anonymous"] = None
    return api


async def ask(api, role: str, query: str, variables: dict | None = None) -> dict:
    return (await api.raw(query, variables, token=api.tokens[role])).json()


def error_of(body: dict) -> tuple[str, str] | str:
    assert len(body.get("errors") or []) == 1, body
    e = body["errors"][0]
    if e["extensions"]["code"] == UNAUTHENTICATED:
        return UNAUTHENTICATED
    return e["message"], e["extensions"]["code"]


def other_student(readable: list[int]) -> int:
    """A student of the course the role may not read (for a TA: one outside section 11); 102 for a teacher."""
    return next((u for u in (102, 101) if u not in readable), 102)


def refusal(kind: str) -> tuple | str:
    return UNAUTHENTICATED if kind == "unauthenticated" else NOT_IN_COURSE


RESULTS = """query($userIds: [ID!], $hidden: Boolean) { course(id: 1) {
  outcomeResults(userIds: $userIds, includeHidden: $hidden, first: 100) { totalCount edges { node { id } } } } }"""


async def result_ids(api, role: str, variables: dict) -> list[str] | tuple | str:
    body = await ask(api, role, RESULTS, variables)
    if body.get("errors"):
        return error_of(body)
    page = body["data"]["course"]["outcomeResults"]
    return [e["node"]["id"] for e in page["edges"]]


def results_of(users: list[int], *, grader: bool, hidden: bool = False) -> list[str]:
    return [str(r["id"]) for r in C.visible_results(users, include_hidden=hidden, grader=grader)][:100]


async def test_outcome_results(roles):
    for role, (kind, readable) in ROLES.items():
        got = {"all": await result_ids(roles, role, {}), "hidden": await result_ids(roles, role, {"hidden": True}),
               "theirs": await result_ids(roles, role, {"userIds": [str(u) for u in readable]}),
               "other": await result_ids(roles, role, {"userIds": [str(other_student(readable))]})}
        if kind == "grader":
            want = {"all": results_of(readable, grader=True), "hidden": results_of(readable, grader=True, hidden=True),
                    "theirs": results_of(readable, grader=True),
                    "other": results_of([102], grader=True) if 102 in readable else NOT_AUTHORIZED_GRADES}
        elif kind == "reader":
            want = {"all": NO_ALL_GRADES,
                    "hidden": ("includeHidden: true is for graders only (who see every grade)", "FORBIDDEN"),
                    "theirs": results_of(readable, grader=False), "other": NOT_AUTHORIZED_GRADES}
        else:
            want = dict.fromkeys(got, refusal(kind))
        assert got == want, role
    # non-graders never see hidden results nor unposted manual-policy results
    mine = await result_ids(roles, "hidden_results", {"userIds": ["self"]})
    assert "1036" not in mine and "1036" in results_of([103], grader=True, hidden=True)
    mine = await result_ids(roles, "unposted_results", {"userIds": ["self"]})
    assert set(results_of([121], grader=True)) - set(mine) == {"1304", "1308", "1309"}
    for role, uid in SELF.items():
        assert await result_ids(roles, role, {"userIds": ["self"]}) == results_of([uid], grader=False), role
    for role in ("observer", "designer", "teacher"):
        assert await result_ids(roles, role, {"userIds": ["self"]}) == NOT_STUDENTS, role


ROLLUPS = """query($userIds: [ID!]) { course(id: 1) { outcomeRollups(userIds: $userIds, first: 100) {
  totalCount edges { node { user { id } sections { id }
    scores { outcome { id } score count title submittedAt hidePoints } } } } } }"""


async def rollup_nodes(api, role: str, variables: dict) -> list[dict] | tuple | str:
    body = await ask(api, role, ROLLUPS, variables)
    if body.get("errors"):
        return error_of(body)
    page = body["data"]["course"]["outcomeRollups"]
    assert page["totalCount"] == len(page["edges"])
    return comparable([e["node"] for e in page["edges"]])


async def test_outcome_rollups(roles):
    outcomes = C.outcome_ids()
    for role, (kind, readable) in ROLES.items():
        got = {"all": await rollup_nodes(roles, role, {}),
               "theirs": await rollup_nodes(roles, role, {"userIds": [str(u) for u in readable]}),
               "other": await rollup_nodes(roles, role, {"userIds": [str(other_student(readable))]})}
        if kind in ("grader", "reader"):
            grader = kind == "grader"
            # a section-limited TA sees only the sections it may see (105 is in sections 10 and 11)
            sections = {u: [11] for u in readable} if role == "ta" else None
            theirs = expected_nodes(C, readable, outcomes, grader=grader, sections=sections)
            other = expected_nodes(C, [102], outcomes) if 102 in readable else NOT_AUTHORIZED_GRADES
            want = {"all": theirs if grader else NO_ALL_GRADES, "theirs": theirs, "other": other}
        else:
            want = dict.fromkeys(got, refusal(kind))
        assert got == want, role
    # the unposted results of asset 304 change student 121's rollup, for graders only
    assert expected_nodes(C, [121], outcomes, grader=False) != expected_nodes(C, [121], outcomes)


AGGREGATE = """query($userIds: [ID!]) { course(id: 1) { outcomeRollupAggregate(userIds: $userIds) {
  scores { outcome { id } score count title submittedAt hidePoints } } } }"""


async def aggregate_scores(api, role: str, variables: dict) -> list | tuple | str:
    body = await ask(api, role, AGGREGATE, variables)
    if body.get("errors"):
        return error_of(body)
    return [(s["outcome"]["id"], api_score(s)) for s in body["data"]["course"]["outcomeRollupAggregate"]["scores"]]


def aggregate_of(users: list[int], grader: bool) -> list:
    agg = C.aggregates("mean", users, grader=grader)
    return [(str(o), engine_score(agg[o])) for o in C.outcome_ids() if o in agg]


async def test_outcome_rollup_aggregate(roles):
    for role, (kind, readable) in ROLES.items():
        got = {"all": await aggregate_scores(roles, role, {}),
               "theirs": await aggregate_scores(roles, role, {"userIds": [str(u) for u in readable]}),
               "other": await aggregate_scores(roles, role, {"userIds": [str(other_student(readable))]})}
        if kind in ("grader", "reader"):
            theirs = aggregate_of(readable, kind == "grader")
            want = {"all": theirs if kind == "grader" else NO_ALL_GRADES, "theirs": theirs,
                    "other": aggregate_of([102], True) if 102 in readable else NOT_AUTHORIZED_GRADES}
        else:
            want = dict.fromkeys(got, refusal(kind))
        assert got == want, role


DISTRIBUTION = """query($userIds: [ID!]) { course(id: 1) { masteryDistribution(userIds: $userIds) {
  outcome { id } totalStudents ratings { studentIds } } } }"""
CONTRIBUTING = """query($userIds: [ID!]) { course(id: 1) { contributingScores(outcomeId: "204", userIds: $userIds) {
  alignments { alignmentId } scores { userId alignmentId score } } } }"""


async def test_mastery_distribution_and_contributing_scores_are_for_graders_only(roles):
    rollups = C.rollups()
    for role, (kind, readable) in ROLES.items():
        for query in (DISTRIBUTION, CONTRIBUTING):
            for variables in ({}, {"userIds": [str(u) for u in readable]}):
                body = await ask(roles, role, query, variables)
                if kind != "grader":
                    want = refusal(kind) if kind in ("outsider", "unauthenticated") else INSUFFICIENT
                    assert error_of(body) == want, (role, query[:40], variables)
                    continue
                assert not body.get("errors"), (role, body)
                data = body["data"]["course"]
                if query is DISTRIBUTION:
                    for d in data["masteryDistribution"]:
                        oid = int(d["outcome"]["id"])
                        scored = {u for u in readable if (u, oid) in rollups and rollups[(u, oid)].score is not None}
                        assert d["totalStudents"] == len(scored), (role, oid)
                        assert {int(s) for r in d["ratings"] for s in r["studentIds"]} <= scored
                else:
                    with_results = {r["user_id"] for r in C.visible_results(readable, [204])}
                    assert {int(s["userId"]) for s in data["contributingScores"]["scores"]} == with_results, role
                    assert {a["alignmentId"] for a in data["contributingScores"]["alignments"]} == \
                        {"D_410", "I_309", "D_412"}


async def test_a_section_limited_ta_is_refused_other_sections_everywhere(roles):
    for query in (DISTRIBUTION, CONTRIBUTING, RESULTS, ROLLUPS, AGGREGATE):
        body = await ask(roles, "ta", query, {"userIds": ["101"]})
        assert error_of(body) == NOT_AUTHORIZED_GRADES, query[:40]
    body = await ask(roles, "ta", "{ course(id: 1) { outcomeRollups(sectionId: \"10\") { totalCount } } }")
    assert body == {"data": {"course": {"outcomeRollups": {"totalCount": 0}}}}


USER = """query($id: ID!) { user(id: $id) { id name } }"""


async def test_query_user(roles):
    people = {u["id"]: u["name"] for u in C.doc["users"]}
    probes = [101, 102, 105, 107, 111, 121, 1, 2, 3, 4, 99999]
    for role, (kind, readable) in ROLES.items():
        own = SELF.get(role) or {"teacher": 1, "ta": 2, "observer": 3, "designer": 4, "inactive": 122}.get(role)
        for uid in probes:
            body = await ask(roles, role, USER, {"id": str(uid)})
            if kind == "unauthenticated":
                want = {"error": UNAUTHENTICATED}
            elif uid == 99999:
                want = {"error": ("The specified resource does not exist.", "NOT_FOUND")}
            elif role == "admin" or uid == own:
                want = {"user": {"id": str(uid), "name": people[uid]}}
            elif role == "teacher" or (role == "ta" and (uid in readable or uid in (1, 2))) or \
                    (kind == "reader" and uid in readable and role == "observer"):
                want = {"user": {"id": str(uid), "name": people[uid]}}
            else:  # the answer an unknown user gets (docs/access.md)
                want = {"error": ("The specified resource does not exist.", "NOT_FOUND")}
            got = {"error": error_of(body)} if body.get("errors") else body["data"]
            assert got == want, (role, uid)


OUTCOME = """query($id: ID!) { outcome(id: $id) { id title } }"""


async def test_query_outcome_is_for_anyone_in_the_course(roles):
    for role, (kind, _) in ROLES.items():
        body = await ask(roles, role, OUTCOME, {"id": "201"})
        if kind in ("grader", "reader"):
            assert body == {"data": {"outcome": {"id": "201", "title": C.outcomes[201]["title"]}}}, role
        elif kind == "unauthenticated":
            assert error_of(body) == UNAUTHENTICATED, role
        else:
            assert error_of(body) == ("The specified resource does not exist.", "NOT_FOUND"), role
    body = await ask(roles, "teacher", OUTCOME, {"id": "999"})
    assert error_of(body) == ("The specified resource does not exist.", "NOT_FOUND")


ENTITIES = """query($reps: [_Any!]!) { _entities(representations: $reps) { ... on OutcomeResult { id score } } }"""


async def test_outcome_result_entities(roles):
    probe = {r["id"]: r for r in C.results}
    # a plain result per kind of student, a hidden one (103), unposted ones (121), an observed student's (107)
    ids = [1001, 1036, 1304, 1002, 1309] + [next(r["id"] for r in C.results if r["user_id"] == u)
                                            for u in (102, 105, 107, 111, 121, 118)]
    reps = [{"__typename": "OutcomeResult", "id": str(i)} for i in ids]
    for role, (kind, readable) in ROLES.items():
        body = await ask(roles, role, ENTITIES, {"reps": reps})
        if kind == "unauthenticated":
            assert body["data"]["_entities"] == [None] * len(ids) or body["data"] is None, role
            assert {e["extensions"]["code"] for e in body["errors"]} == {UNAUTHENTICATED}, role
            continue
        assert not body.get("errors"), (role, body)
        want = []
        for i in ids:
            r = probe[i]
            # graders see hidden and unposted results too (a hidden one says so in its `hidden` field)
            seen = r["user_id"] in readable and (kind == "grader" or not (r["hidden"] or C.muted(r)))
            want.append({"id": str(i), "score": r["score"]} if seen else None)
        assert body["data"]["_entities"] == want, role


USER_ENTRY = """query($id: ID!) { user(id: $id) { id
  outcomeRollups(courseId: "1") { user { id } sections { id }
    scores { outcome { id } score count title submittedAt hidePoints } }
  outcomeResults(courseId: "1", first: 100) { totalCount edges { node { id } } } } }"""


async def test_user_entry_points_apply_the_course_rules(roles):
    """User.outcomeRollups and User.outcomeResults (for other subgraphs) answer what Course's fields answer."""
    for role, uid in [("teacher", 121), ("unposted_results", 121), ("observer", 107), ("ta", 105), ("student", 101),
                      ("admin", 103), ("hidden_results", 103)]:
        kind, _ = ROLES[role]
        grader = kind == "grader"
        body = await ask(roles, role, USER_ENTRY, {"id": str(uid)})
        assert not body.get("errors"), (role, body)
        user = body["data"]["user"]
        sections = {uid: [11]} if role == "ta" else None
        assert comparable([user["outcomeRollups"]]) == \
            expected_nodes(C, [uid], C.outcome_ids(), grader=grader, sections=sections), role
        results = user["outcomeResults"]
        assert [e["node"]["id"] for e in results["edges"]] == results_of([uid], grader=grader), role
        assert results["totalCount"] == len(results["edges"])
    for role, uid in [("student", 102), ("observer", 101), ("ta", 101), ("designer", 101)]:
        body = await ask(roles, role, USER_ENTRY, {"id": str(uid)})
        assert body["data"] == {"user": None}, role
        assert error_of(body) == ("The specified resource does not exist.", "NOT_FOUND"), role
