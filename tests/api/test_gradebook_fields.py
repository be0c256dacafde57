"""The data a gradebook and a student's page need (issue 13 items 3, 4, 8; docs/gradebook.md), through HTTP, for
every role that matters. Expectations come from the demo bundle and the rules in docs/, never from the database.
"""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import func, insert, select

from outcome_graph.db import models as m
from outcome_graph.db.tokens import create_token
from tests.api.course_builder import CourseBuilder
from tests.api.expected import Course
from tests.conftest import (CONCLUDED, DEMO, INACTIVE, NO_RESULTS, OBSERVED_STUDENT, OBSERVER, STUDENT, TA, TEACHER,
                            TWO_SECTION_STUDENT)

DOC = orjson.loads(DEMO.read_bytes())
C = Course(DOC)
NAME = DOC["course"]["name"]

# Canvas's default palettes (docs/gradebook.md), highest rating first: (mastery at the 2nd level, otherwise).
PALETTES = {3: (["2B7ABC", "03893D", "555555"], ["03893D", "FAB901", "555555"]),
            5: (["2B7ABC", "03893D", "FAB901", "E62429", "555555"],) * 2}


def expected_levels(points: list[float], mastery_points: float) -> list[dict]:
    """docs/gradebook.md: mastery is the lowest level whose points reach masteryPoints; colours by that level."""
    mastery = max(i for i, p in enumerate(points) if p >= mastery_points)
    palette = PALETTES[len(points)][0 if mastery == 1 else 1]
    return [{"points": float(p), "mastery": i == mastery, "color": palette[i]} for i, p in enumerate(points)]


def bucket(score: float, points: list[float]) -> int | None:
    return next((i for i, p in enumerate(points) if p <= score), None)


# ------------------------------------------------------------ partial results (item 4)

# One refused argument per field that can be refused, and who is refused.
REFUSED = [
    ("outcomes", 'outcomes(outcomeIds: ["999"]) { id }', "teacher", "NOT_FOUND"),
    ("outcomeResults", 'outcomeResults(userIds: ["102"]) { totalCount }', "student", "FORBIDDEN"),
    ("outcomeRollups", "outcomeRollups(sortBy: OUTCOME) { totalCount }", "teacher", "BAD_USER_INPUT"),
    ("outcomeRollupAggregate", "outcomeRollupAggregate { scores { score } }", "student", "FORBIDDEN"),
    ("masteryDistribution", "masteryDistribution { totalStudents }", "student", "FORBIDDEN"),
    ("contributingScores", 'contributingScores(outcomeId: "201") { scores { score } }', "student", "FORBIDDEN"),
]


@pytest.mark.parametrize("field,selection,who,code", REFUSED, ids=[r[0] for r in REFUSED])
async def test_a_refused_field_is_null_and_the_rest_of_the_course_survives(api, field, selection, who, code):
    body = await api.query(f"{{ course(id: 1) {{ name {selection} sections {{ id }} }} }}", as_=who, errors=True)
    sections = [{"id": str(s["id"])} for s in DOC["sections"]]
    assert body["data"] == {"course": {"name": NAME, field: None, "sections": sections}}
    [error] = body["errors"]
    assert error["path"] == ["course", field] and error["extensions"]["code"] == code


async def test_a_refused_user_connection_keeps_the_user(api):
    body = await api.query("{ viewer { name outcomeResults(courseId: 1, includeHidden: true) { totalCount } } }",
                           as_="student", errors=True)
    assert body["data"] == {"viewer": {"name": C.users[STUDENT]["name"], "outcomeResults": None}}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


# ------------------------------------------------------------ ratings say which level is mastery (item 8)

RATINGS = """{ course(id: 1) {
  outcomes { id masteryPoints ratings { points mastery color } }
  masteryDistribution { outcome { id } ratings { points color } } } }"""


async def test_every_rating_says_whether_it_is_mastery_and_its_colour_without_add_defaults(api):
    course = (await api.query(RATINGS, as_="teacher"))["course"]
    for outcome in course["outcomes"]:
        stored = C.outcomes[int(outcome["id"])]
        points = sorted((r["points"] for r in stored["ratings"]), reverse=True)
        assert outcome["ratings"] == expected_levels(points, stored["mastery_points"]), outcome["id"]
    colours = {o["id"]: [r["color"] for r in o["ratings"]] for o in course["outcomes"]}
    assert {d["outcome"]["id"]: [r["color"] for r in d["ratings"]] for d in course["masteryDistribution"]} == colours


async def test_mastery_is_the_lowest_level_reaching_mastery_points(empty_api):
    c = CourseBuilder()
    c.section(10)
    c.teacher(1)
    c.outcome(70, mastery_points=3.5)  # the default criterion 5/3/0: 3 does not reach 3.5, 5 does
    await c.load(empty_api, teacher=1)
    data = await empty_api.query("{ course(id: 1) { outcomes { ratings { points mastery color } } } }", as_="teacher")
    assert data["course"]["outcomes"][0]["ratings"] == expected_levels([5.0, 3.0, 0.0], 3.5)


# ------------------------------------------------------------ Query.me (item 3)

ME = """{ me { isAdmin user { id }
  enrollments { courseId course { id } section { id } role state observedUser { id } }
  courses { course { id } roles grader changesScoring gradedSections { id } } } }"""


def expected_me(uid: int) -> dict:
    rows = [e for e in DOC["enrollments"] if e["user_id"] == uid and e.get("state", "active") != "deleted"]
    member = any(e.get("state", "active") in ("active", "completed") for e in rows)
    graders = [e for e in rows if e["role"] in ("teacher", "ta") and e.get("state", "active") == "active"]
    limited = bool(graders) and all(e["limit_to_section"] for e in graders)
    return {"isAdmin": False, "user": {"id": str(uid)},
            "enrollments": [{"courseId": "1", "course": {"id": "1"} if member else None,
                             "section": {"id": str(e["section_id"])}, "role": e["role"].upper(),
                             "state": e.get("state", "active").upper(),
                             "observedUser": {"id": str(e["associated_user_id"])} if e["associated_user_id"] and
                             member else None} for e in rows],
            "courses": [{"course": {"id": "1"}, "roles": list(dict.fromkeys(e["role"].upper() for e in rows)),
                         "grader": bool(graders),
                         "changesScoring": any(e["role"] == "teacher" and not e["limit_to_section"] for e in graders),
                         "gradedSections": [{"id": str(e["section_id"])} for e in graders] if limited else None}
                        ] if member else []}


@pytest.mark.parametrize("who,uid", [("teacher", TEACHER), ("ta", TA), ("student", STUDENT), ("observer", OBSERVER),
                                     ("two_sections", TWO_SECTION_STUDENT), ("concluded", CONCLUDED),
                                     ("inactive", INACTIVE)])
async def test_me_lists_the_viewers_enrollments_and_courses_with_roles(api, who, uid):
    assert (await api.query(ME, as_=who))["me"] == expected_me(uid)


async def test_me_for_an_admin_token_and_without_a_token(api):
    assert (await api.query(ME, as_="admin"))["me"] == {"isAdmin": True, "user": None, "enrollments": [],
                                                       "courses": []}
    assert (await api.query(ME)) == {"me": None}
    body = (await api.raw(ME, token="not-a-token")).json()
    assert body["data"] == {"me": None} and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# ------------------------------------------------------------ Rollup.enrollmentStatus, scoreSlots, rating

ROLLUPS = """query($userIds: [ID!]) { course(id: 1) { outcomeRollups(userIds: $userIds, first: 100) {
  outcomes { id ratings { description points mastery color } }
  nodes { user { id } enrollmentStatus enrollments { section { id } status }
          scores { outcome { id } score rating { description points mastery color } }
          scoreSlots { outcome { id } score } } } } }"""


async def add_enrollment(api, uid: int, section: int, state: str) -> None:
    async with api.engine.begin() as conn:
        next_id = (await conn.execute(select(func.max(m.Enrollment.id)))).scalar() + 1
        await conn.execute(insert(m.Enrollment).values(id=next_id, course_id=1, section_id=section, user_id=uid,
                                                       role="student", state=state, limit_to_section=False))


async def test_enrollment_status_is_the_best_state_in_scope_with_one_per_section(api):
    await add_enrollment(api, CONCLUDED, 12, "active")  # concluded in section 11, now active in 12 too
    ids = [str(TWO_SECTION_STUDENT), str(CONCLUDED), str(INACTIVE)]
    nodes = (await api.query(ROLLUPS, {"userIds": ids}, as_="teacher"))["course"]["outcomeRollups"]["nodes"]
    assert [(n["user"]["id"], n["enrollmentStatus"], n["enrollments"]) for n in nodes] == [
        (str(TWO_SECTION_STUDENT), "ACTIVE", [{"section": {"id": "10"}, "status": "ACTIVE"},
                                              {"section": {"id": "11"}, "status": "ACTIVE"}]),
        (str(CONCLUDED), "ACTIVE", [{"section": {"id": "11"}, "status": "COMPLETED"},
                                    {"section": {"id": "12"}, "status": "ACTIVE"}]),
        (str(INACTIVE), "INACTIVE", [{"section": {"id": "12"}, "status": "INACTIVE"}])]
    # the section-limited TA (section 11) sees the concluded enrollment only
    nodes = (await api.query(ROLLUPS, {"userIds": [str(CONCLUDED)]}, as_="ta"))["course"]["outcomeRollups"]["nodes"]
    assert [(n["enrollmentStatus"], n["enrollments"]) for n in nodes] == [
        ("COMPLETED", [{"section": {"id": "11"}, "status": "COMPLETED"}])]


@pytest.mark.parametrize("who,user_ids", [("teacher", None), ("student", ["self"]),
                                          ("observer", [str(OBSERVED_STUDENT)])])
async def test_score_slots_and_ratings_of_rollup_scores(api, who, user_ids):
    page = (await api.query(ROLLUPS, {"userIds": user_ids}, as_=who))["course"]["outcomeRollups"]
    outcomes = page["outcomes"]
    assert page["nodes"]
    for node in page["nodes"]:
        by_outcome = {s["outcome"]["id"]: s for s in node["scores"]}
        assert [None if slot is None else slot["outcome"]["id"] for slot in node["scoreSlots"]] == \
            [o["id"] if o["id"] in by_outcome else None for o in outcomes]
        assert [s["score"] for s in node["scoreSlots"] if s] == [s["score"] for s in node["scores"]]
        for score in node["scores"]:
            ratings = next(o["ratings"] for o in outcomes if o["id"] == score["outcome"]["id"])
            i = None if score["score"] is None else bucket(score["score"], [r["points"] for r in ratings])
            assert score["rating"] == (None if i is None else ratings[i]), (node["user"], score)


async def test_score_slots_of_a_student_without_results_are_all_null(api):
    page = (await api.query(ROLLUPS, {"userIds": [str(NO_RESULTS)]}, as_="teacher"))["course"]["outcomeRollups"]
    assert page["nodes"][0]["scores"] == []
    assert page["nodes"][0]["scoreSlots"] == [None] * len(C.outcome_ids())


async def test_aggregate_scores_carry_their_rating(api):
    data = (await api.query("""{ course(id: 1) { outcomes { id ratings { description points mastery color } }
      outcomeRollupAggregate { scores { outcome { id } score rating { description points mastery color } } } } }""",
                            as_="teacher"))["course"]
    ratings = {o["id"]: o["ratings"] for o in data["outcomes"]}
    scores = data["outcomeRollupAggregate"]["scores"]
    assert scores
    for s in scores:
        r = ratings[s["outcome"]["id"]]
        assert s["rating"] == r[bucket(s["score"], [x["points"] for x in r])]


# ------------------------------------------------------------ OutcomeResult.posted, visibleToStudent

RESULTS = """query($userIds: [ID!], $hidden: Boolean) { course(id: 1) {
  outcomeResults(userIds: $userIds, includeHidden: $hidden, first: 100) { nodes { id posted visibleToStudent } } } }"""


async def test_graders_see_whether_a_result_is_posted_and_shown_to_its_student(api):
    held_back = 128  # a student of section 12 with hidden and unposted results
    api.tokens["held_back"] = await create_token(api.engine, user_id=held_back)
    by_id = {r["id"]: r for r in C.results}
    for who, student in (("teacher", held_back), ("admin", held_back), ("ta", 111)):
        nodes = (await api.query(RESULTS, {"userIds": [str(student)], "hidden": True}, as_=who))["course"][
            "outcomeResults"]["nodes"]
        assert nodes
        for n in nodes:
            r = by_id[int(n["id"])]
            assert (n["posted"], n["visibleToStudent"]) == (not C.muted(r), not C.muted(r) and not r["hidden"]), who
    # what the student sees is exactly what visibleToStudent says
    mine = (await api.query(RESULTS, {"userIds": ["self"]}, as_="held_back"))["course"]["outcomeResults"]["nodes"]
    theirs = (await api.query(RESULTS, {"userIds": [str(held_back)], "hidden": True}, as_="teacher"))["course"][
        "outcomeResults"]["nodes"]
    assert sorted(n["id"] for n in mine) == sorted(n["id"] for n in theirs if n["visibleToStudent"])
    assert len(mine) < len(theirs)


async def test_a_written_result_says_whether_its_student_sees_it(api):
    write = """mutation($hidden: Boolean) { recordOutcomeResults(courseId: 1, results: [
      {userId: "101", alignmentId: "401", score: 2, hidden: $hidden}]) { posted visibleToStudent } }"""
    for hidden in (True, False):
        data = await api.query(write, {"hidden": hidden}, as_="teacher")
        assert data == {"recordOutcomeResults": [{"posted": True, "visibleToStudent": not hidden}]}


@pytest.mark.parametrize("who,user", [("student", "self"), ("observer", str(OBSERVED_STUDENT))])
async def test_non_graders_get_null_posting(api, who, user):
    nodes = (await api.query(RESULTS, {"userIds": [user]}, as_=who))["course"]["outcomeResults"]["nodes"]
    assert nodes and all(n["posted"] is None and n["visibleToStudent"] is None for n in nodes)
    reps = {"r": [{"__typename": "OutcomeResult", "id": nodes[0]["id"]}]}
    entities = await api.query("query($r: [_Any!]!) { _entities(representations: $r) { ... on OutcomeResult "
                               "{ posted visibleToStudent } } }", reps, as_=who)
    assert entities == {"_entities": [{"posted": None, "visibleToStudent": None}]}


# ------------------------------------------------------------ Course.calculationMethod, masteryScale

COURSE_SCORING = """{ course(id: 1) { calculationMethod { method calculationInt }
  masteryScale { pointsPossible masteryPoints ratings { description points mastery color } } } }"""


async def test_course_scoring_overrides_are_readable_by_members(api):
    assert (await api.query(COURSE_SCORING, as_="student")) == {"course": {"calculationMethod": None,
                                                                           "masteryScale": None}}
    ratings = [{"description": "Exceeds", "points": 4.0, "mastery": False, "color": "0374B5"},
               {"description": "Mastery", "points": 3.0, "mastery": True, "color": "0B874B"},
               {"description": "Below", "points": 1.0, "mastery": False, "color": None}]
    await api.query("mutation($r: [MasteryRatingInput!]) { setCourseMasteryScale(courseId: 1, ratings: $r) { id } }",
                    {"r": [{k: v for k, v in r.items() if v is not None} for r in ratings]}, as_="teacher")
    await api.query("mutation { setCourseCalculationMethod(courseId: 1, method: N_MASTERY, calculationInt: 2) "
                    "{ id } }", as_="teacher")
    for who in ("teacher", "ta", "student", "observer", "admin"):
        assert (await api.query(COURSE_SCORING, as_=who)) == {"course": {
            "calculationMethod": {"method": "N_MASTERY", "calculationInt": 2},
            "masteryScale": {"pointsPossible": 4.0, "masteryPoints": 3.0, "ratings": ratings}}}, who


# ------------------------------------------------------------ User.sisUserId

SIS = 'query($id: ID!) { user(id: $id) { sisUserId } }'


@pytest.mark.parametrize("who,uid,sees", [
    ("teacher", STUDENT, True), ("teacher", TA, True), ("admin", STUDENT, True), ("student", STUDENT, True),
    ("ta", 111, True), ("observer", OBSERVED_STUDENT, False), ("observer", OBSERVER, True)])
async def test_sis_user_id_for_graders_admins_and_the_user_themself(api, who, uid, sees):
    data = await api.query(SIS, {"id": str(uid)}, as_=who)
    assert data == {"user": {"sisUserId": C.users[uid]["sis_user_id"] if sees else None}}


async def test_sis_user_id_of_listed_students(api):
    query = '{ course(id: 1) { outcomeResults(userIds: ["self"], first: 1) { nodes { user { sisUserId } } } } }'
    assert (await api.query(query, as_="student"))["course"]["outcomeResults"]["nodes"] == [
        {"user": {"sisUserId": C.users[STUDENT]["sis_user_id"]}}]
    query = (f'{{ course(id: 1) {{ outcomeRollups(userIds: ["{OBSERVED_STUDENT}"]) '
             '{ nodes { user { sisUserId } } } } }')
    assert (await api.query(query, as_="observer"))["course"]["outcomeRollups"]["nodes"] == [
        {"user": {"sisUserId": None}}]
    assert (await api.query(query, as_="teacher"))["course"]["outcomeRollups"]["nodes"] == [
        {"user": {"sisUserId": C.users[OBSERVED_STUDENT]["sis_user_id"]}}]


# ------------------------------------------------------------ ContributingScore.alignment

CONTRIBUTING = """query($o: ID!) { course(id: 1) { contributingScores(outcomeId: $o) {
  scores { alignmentId alignment { id assetString } } } } }"""


@pytest.mark.parametrize("outcome", [201, 204])  # 204 has a quiz: an I_ id
async def test_a_contributing_score_links_to_its_alignment(api, outcome):
    scores = (await api.query(CONTRIBUTING, {"o": str(outcome)}, as_="teacher"))["course"]["contributingScores"][
        "scores"]
    assert scores
    for s in scores:
        alignment = C.alignments[int(s["alignment"]["id"])]
        asset = C.assets[alignment["asset_id"]]
        kind, _, ident = s["alignmentId"].partition("_")
        assert alignment["outcome_id"] == outcome
        if kind == "D":
            assert s["alignment"]["id"] == ident and asset["type"] != "quiz"
        else:
            assert kind == "I" and asset["type"] == "quiz" and s["alignment"]["assetString"] == f"quiz_{ident}"
    assert {s["alignmentId"][0] for s in scores} == ({"D", "I"} if outcome == 204 else {"D"})
