"""Every Canvas parameter of the REST API over HTTP, checked against the demo bundle's expectations
(tests/api/expected.py) or against the GraphQL answer for the same request (docs/rest-api.md)."""

from __future__ import annotations

import csv
from datetime import datetime

import orjson
import pytest

from tests.api.expected import Course, engine_score
from tests.conftest import DEMO

C = Course(orjson.loads(DEMO.read_bytes()))
ROLLUPS = "courses/1/outcome_rollups"
RESULTS = "courses/1/outcome_results"


def score_tuple(s: dict) -> tuple:
    at = s["submitted_at"]
    return (s["score"], s["count"], s["title"], None if at is None else datetime.fromisoformat(at), s["hide_points"])


def result_ids(body: dict) -> list[int]:
    return [r["id"] for r in body["outcome_results"]]


async def all_results(rest, params: dict, role: str = "teacher") -> list[dict]:
    out, page = [], 1
    while True:
        response = await rest.get(RESULTS, role, {**params, "per_page": 100, "page": page})
        assert response.status_code == 200, response.text
        rows = response.json()["outcome_results"]
        out += rows
        if 'rel="next"' not in response.headers["link"]:
            return out
        page += 1


async def test_results_filters_follow_the_bundle(rest):
    everyone = [r["id"] for r in C.visible_results(C.students(), grader=True)]
    assert [r["id"] for r in await all_results(rest, {})] == everyone
    assert [r["id"] for r in await all_results(rest, {"include_hidden": "true"})] == \
        [r["id"] for r in C.visible_results(C.students(), grader=True, include_hidden=True)]
    assert [r["id"] for r in await all_results(rest, {"user_ids[]": ["102", "sis_user_id:S0101"]})] == \
        [r["id"] for r in C.visible_results([101, 102], grader=True)]
    assert [r["id"] for r in await all_results(rest, {"outcome_ids[]": ["203"]})] == \
        [r["id"] for r in C.visible_results(C.students(), [203], grader=True)]
    assert [r["id"] for r in await all_results(rest, {"outcome_group_id": "2"})] == \
        [r["id"] for r in C.visible_results(C.students(), C.outcome_ids(group=2), grader=True)]
    assert [r["id"] for r in await all_results(rest, {"section_id": "11"})] == \
        [r["id"] for r in C.visible_results(C.students(section=11), grader=True)]
    assert [r["id"] for r in await all_results(rest, {"user_ids": "102,101"})] == \
        [r["id"] for r in C.visible_results([101, 102], grader=True)]


async def test_a_result_in_canvas_shape(rest):
    [row] = (await rest.json(RESULTS, params={"user_ids[]": "101", "outcome_ids[]": "201", "per_page": 1}))[
        "outcome_results"]
    r = next(x for x in C.visible_results([101], [201], grader=True))
    assert row == {"id": r["id"], "score": r["score"], "mastery": row["mastery"], "possible": r["possible"],
                   "percent": C.percent(r), "hide_points": False, "hidden": False,
                   "submitted_or_assessed_at": row["submitted_or_assessed_at"],
                   "links": {"user": "101", "learning_outcome": "201", "alignment": row["links"]["alignment"],
                             "assignment": row["links"]["assignment"]}}
    assert row["links"]["alignment"].startswith(("assignment_", "rubric_", "quiz_", "assessment_question_bank_"))
    assert row["submitted_or_assessed_at"].endswith("Z")


async def test_pages_links_and_their_limits(rest):
    total = len(C.visible_results(C.students(), grader=True))
    first = await rest.get(RESULTS, params={"per_page": 7})
    links = dict(reversed(part.split("; ")) for part in first.headers["link"].split(","))
    assert set(links) == {'rel="current"', 'rel="next"', 'rel="first"', 'rel="last"'}
    last_page = -(-total // 7)
    assert f"page={last_page}&per_page=7" in links['rel="last"']
    middle = await rest.get(RESULTS, params={"per_page": 7, "page": 2})
    assert 'rel="prev"' in middle.headers["link"] and len(middle.json()["outcome_results"]) == 7
    assert len((await rest.json(RESULTS, params={"per_page": 500}))["outcome_results"]) == 100  # clamped
    assert len((await rest.json(RESULTS))["outcome_results"]) == 10  # default
    assert len((await rest.json(RESULTS, params={"per_page": "many"}))["outcome_results"]) == 1
    past = await rest.get(RESULTS, params={"per_page": 7, "page": last_page + 3})
    assert past.status_code == 200 and past.json()["outcome_results"] == []
    # pages in a row are the whole list, once each
    ids = []
    for page in range(1, last_page + 1):
        ids += result_ids(await rest.json(RESULTS, params={"per_page": 7, "page": page}))
    assert ids == [r["id"] for r in C.visible_results(C.students(), grader=True)]


async def test_result_includes(rest):
    body = await rest.json(RESULTS, params={"per_page": 5, "include[]": [
        "alignments", "outcomes", "outcomes.alignments", "outcome_groups", "outcome_links", "outcome_paths", "users",
        "assignments"]})
    linked = body["linked"]
    assert [o["id"] for o in linked["outcomes"]] == C.outcome_ids()
    assert {u["id"] for u in linked["users"]} == {r["links"]["user"] for r in body["outcome_results"]}
    assert {a["id"] for a in linked["alignments"]} == {r["links"]["alignment"] for r in body["outcome_results"]}
    assert {a["id"] for a in linked["assignments"]} <= {a["id"] for a in linked["alignments"]}
    assert [p["id"] for p in linked["outcome_paths"]] == C.outcome_ids()
    assert [g["id"] for g in linked["outcome_groups"]] == sorted(g["id"] for g in C.doc["outcome_groups"])
    assert [link["outcome"]["id"] for link in linked["outcome_links"]] == C.outcome_ids()
    assert linked["outcomes.alignments"]


async def rollup_rows(rest, params: dict, role: str = "teacher") -> list[dict]:
    rows, page = [], 1
    while True:
        body = await rest.json(ROLLUPS, role, {**params, "page": page, "per_page": 5})
        rows += body["rollups"]
        if page >= body["meta"]["pagination"]["page_count"]:
            return rows
        page += 1


def expected_rows(users: list[int], outcomes: list[int] | None = None, sections: list[int] | None = None):
    outcomes = outcomes or C.outcome_ids()
    scores = C.rollups(users, outcomes, grader=True)
    return [(str(u), str(e["section_id"]), e["state"],
             sorted((str(o), engine_score(scores[(u, o)])) for o in outcomes if (u, o) in scores))
            for u in users for e in C.student_enrollments() if e["user_id"] == u
            and (sections is None or e["section_id"] in sections)]


def rows_of(rows: list[dict]) -> list[tuple]:
    return [(r["links"]["user"], r["links"]["section"], r["links"]["status"],
             [(s["links"]["outcome"], score_tuple(s)) for s in r["scores"]]) for r in rows]


async def test_rollups_one_row_per_section_enrollment_paged_by_user(rest):
    rows = await rollup_rows(rest, {})
    assert rows_of(rows) == expected_rows(C.students())
    assert [r["links"]["section"] for r in rows if r["links"]["user"] == "105"] == ["10", "11"]
    body = await rest.json(ROLLUPS, params={"per_page": 1, "page": 5, "user_ids[]": ["101", "102", "103", "104",
                                                                                     "105"]})
    assert body["meta"]["pagination"]["count"] == 5 and len(body["rollups"]) == 2  # one user, two sections
    pagination = body["meta"]["pagination"]
    assert {k for k in pagination} == {"per_page", "page", "count", "page_count", "current", "prev", "first",
                                       "last", "template"}
    assert pagination["template"].endswith("page={page}&per_page=1")


async def test_rollup_filters(rest):
    assert rows_of(await rollup_rows(rest, {"section_id": "11"})) == \
        expected_rows(C.students(section=11), sections=[11])
    assert rows_of(await rollup_rows(rest, {"user_ids[]": ["105", "sis_user_id:S0102"], "outcome_ids[]": "204"})) \
        == expected_rows([102, 105], [204])
    assert rows_of(await rollup_rows(rest, {"outcome_group_id": "3"})) == \
        expected_rows(C.students(), C.outcome_ids(group=3))


async def test_exclusions(rest):
    everyone = {r["links"]["user"] for r in await rollup_rows(rest, {})}
    for name, dropped in (("concluded_enrollments", "118"), ("inactive_enrollments", "122"),
                          ("missing_user_rollups", "130")):
        kept = {r["links"]["user"] for r in await rollup_rows(rest, {"exclude[]": name})}
        assert dropped in everyone and dropped not in kept and len(kept) == len(everyone) - 1, name
    assert {r["links"]["user"] for r in await rollup_rows(rest, {"exclude": "concluded_enrollments,unknown"})} == \
        everyone - {"118"}
    one = {"user_ids[]": "130", "include[]": "outcomes"}
    assert (await rest.json(ROLLUPS, params={**one, "exclude[]": "missing_outcome_results"}))["linked"][
        "outcomes"] == []
    assert len((await rest.json(ROLLUPS, params=one))["linked"]["outcomes"]) == len(C.outcome_ids())


SORTED = """query($sortBy: RollupSortBy, $outcome: ID, $order: SortOrder) { course(id: 1) {
  outcomeRollups(sortBy: $sortBy, sortOutcomeId: $outcome, sortOrder: $order, first: 100) {
    nodes { user { id } } } } }"""


@pytest.mark.parametrize("params, variables", [
    ({"sort_by": "student"}, {"sortBy": "STUDENT"}),
    ({"sort_by": "student", "sort_order": "desc"}, {"sortBy": "STUDENT", "order": "DESC"}),
    ({"sort_by": "outcome", "sort_outcome_id": "205"}, {"sortBy": "OUTCOME", "outcome": "205"}),
    ({"sort_by": "outcome", "sort_outcome_id": "205", "sort_order": "desc"},
     {"sortBy": "OUTCOME", "outcome": "205", "order": "DESC"}),
])
async def test_sorting_equals_graphql(rest, params, variables):
    rows = await rollup_rows(rest, params)
    users = list(dict.fromkeys(r["links"]["user"] for r in rows))
    nodes = (await rest.api.query(SORTED, variables, as_="teacher"))["course"]["outcomeRollups"]["nodes"]
    assert users == [n["user"]["id"] for n in nodes] and users != sorted(users, key=int)


AGGREGATE = """query($stat: AggregateStat) { course(id: 1) { outcomeRollupAggregate(stat: $stat) {
  scores { outcome { id } score count } } } }"""


async def test_aggregate(rest):
    for stat in ("mean", "median"):
        body = await rest.json(ROLLUPS, params={"aggregate": "course", "aggregate_stat": stat,
                                                "include[]": ["courses", "outcomes"]})
        assert set(body) == {"rollups", "linked"}  # no meta: not paginated
        [rollup] = body["rollups"]
        want = (await rest.api.query(AGGREGATE, {"stat": stat.upper()}, as_="teacher"))["course"][
            "outcomeRollupAggregate"]["scores"]
        assert [(s["links"]["outcome"], s["score"], s["count"]) for s in rollup["scores"]] == \
            sorted((s["outcome"]["id"], s["score"], s["count"]) for s in want)
        assert body["linked"]["courses"] == [{"id": "1", "name": C.doc["course"]["name"]}]


RATINGS = """{ course(id: 1) { outcomeRollups(first: 1) { outcomes(ratingPercents: true) {
  id ratings(addDefaults: true) { points mastery color percent } } } } }"""


async def test_add_defaults_and_rating_percents_equal_graphql(rest):
    plain = await rest.json(ROLLUPS, params={"include[]": "outcomes"})
    assert all(set(r) == {"description", "points"} for o in plain["linked"]["outcomes"] for r in o["ratings"])
    body = await rest.json(ROLLUPS, params={"include[]": "outcomes", "add_defaults": "true",
                                            "rating_percents": "true", "per_page": 1})
    want = (await rest.api.query(RATINGS, as_="teacher"))["course"]["outcomeRollups"]["outcomes"]
    assert [(str(o["id"]), [(r["points"], r["mastery"], r["color"], r["percent"]) for r in o["ratings"]])
            for o in body["linked"]["outcomes"]] == \
        [(o["id"], [(r["points"], r["mastery"], r["color"], r["percent"]) for r in o["ratings"]]) for o in want]
    assert any(r["percent"] for o in body["linked"]["outcomes"] for r in o["ratings"])


async def test_rollup_users_and_paths(rest):
    body = await rest.json(ROLLUPS, params={"include[]": ["users", "outcome_paths"], "per_page": 3})
    assert [u["id"] for u in body["linked"]["users"]] == [r["links"]["user"] for r in body["rollups"]][:3]
    user = body["linked"]["users"][0]
    assert set(user) == {"id", "name", "display_name", "sortable_name", "avatar_url", "sis_id", "integration_id",
                         "login_id"} and user["sis_id"] == "S0101"
    assert body["linked"]["outcome_paths"][0] == {"id": 201, "parts": [
        {"name": "Scientific Inquiry"}, {"name": "Lab Safety"}, {"name": "Follows lab safety procedures"}]}


CSV_ROWS = """{ course(id: 1) { outcomes { id masteryPoints path { parts { name } } }
  outcomeRollups(first: 100) { nodes { user { id name sisUserId } scoreSlots { score } } } } }"""


async def test_csv_export_equals_graphql(rest):
    response = await rest.get("courses/1/outcome_rollups.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.text.split("\r\n")
    data = (await rest.api.query(CSV_ROWS, as_="teacher"))["course"]
    header = ["Student name", "Student ID", "Student SIS ID"]
    for o in data["outcomes"]:
        path = " > ".join(p["name"] for p in o["path"]["parts"])
        header += [f"{path} result", f"{path} mastery points"]
    rows = list(csv.reader(lines))
    assert rows[0] == header
    want = []
    for n in data["outcomeRollups"]["nodes"]:
        line = [n["user"]["name"], n["user"]["id"], n["user"]["sisUserId"] or "N/A"]
        for o, slot in zip(data["outcomes"], n["scoreSlots"]):
            line += ["" if slot is None or slot["score"] is None else str(slot["score"]), str(o["masteryPoints"])]
        want.append(line)
    assert rows[1:-1] == want and rows[-1] == []
    section = await rest.get("courses/1/outcome_rollups.csv", params={"section_id": "12"})
    assert len(section.text.split("\r\n")) - 2 == len(C.students(section=12))


async def test_contributing_scores(rest):
    body = await rest.json("courses/1/outcomes/201/contributing_scores", params={"user_ids[]": ["101", "102"]})
    assert body["outcome"] == {"id": "201", "title": body["outcome"]["title"]}
    assert body["alignments"] and all(a["alignment_id"][:2] in ("D_", "I_") for a in body["alignments"])
    assert {s["user_id"] for s in body["scores"]} <= {"101", "102"}
    listed = {a["alignment_id"] for a in body["alignments"]}
    assert all(s["alignment_id"] in listed for s in body["scores"])
    only = await rest.json("courses/1/outcomes/201/contributing_scores",
                           params={"only_assignment_alignments": "true"})
    assert {a["associated_asset_type"] for a in only["alignments"]} <= {"Assignment", "Quizzes::Quiz"}
    assert len(only["alignments"]) < len((await rest.json("courses/1/outcomes/201/contributing_scores"))[
        "alignments"])


METHODS = """{ course(id: 1) { outcomes { id calculationMethod calculationInt masteryPoints pointsPossible } } }"""


async def test_outcomes_show_the_method_the_core_stores(rest):
    """Whatever the method (Canvas's or one added to the core later), REST names it as the core stores it."""
    for o in (await rest.api.query(METHODS, as_="teacher"))["course"]["outcomes"]:
        body = await rest.json(f"outcomes/{o['id']}")
        assert (body["calculation_method"], body.get("calculation_int"), body["mastery_points"],
                body["points_possible"]) == (o["calculationMethod"].lower(), o["calculationInt"], o["masteryPoints"],
                                             o["pointsPossible"])


SCALE = """mutation { setCourseMasteryScale(courseId: 1, ratings: [
  {description: "Got it", points: 2, mastery: true, color: "0B874B"}, {description: "Not yet", points: 0}]) { id } }"""
METHOD = """mutation { setCourseCalculationMethod(courseId: 1, method: LATEST) { id } }"""
SCORED = """{ course(id: 1) { outcomeRollups(first: 100) { outcomes { id pointsPossible masteryPoints calculationMethod
  ratings { description points mastery color } } nodes { user { id } scores { outcome { id } score } } } } }"""


async def test_a_course_scale_and_method_win_as_in_graphql(rest):
    await rest.api.query(SCALE, as_="teacher")
    await rest.api.query(METHOD, as_="teacher")
    want = (await rest.api.query(SCORED, as_="teacher"))["course"]["outcomeRollups"]
    body = await rest.json(ROLLUPS, params={"include[]": "outcomes", "per_page": 100})
    assert [(str(o["id"]), o["points_possible"], o["mastery_points"], o["calculation_method"], o["ratings"])
            for o in body["linked"]["outcomes"]] == \
        [(o["id"], o["pointsPossible"], o["masteryPoints"], o["calculationMethod"].lower(), o["ratings"])
         for o in want["outcomes"]]
    assert body["linked"]["outcomes"][0]["ratings"][0] == {"description": "Got it", "points": 2.0, "mastery": True,
                                                           "color": "0B874B"}
    assert "calculation_int" not in body["linked"]["outcomes"][0]
    assert sorted({(r["links"]["user"], s["links"]["outcome"], s["score"]) for r in body["rollups"]
                   for s in r["scores"]}) == \
        sorted({(n["user"]["id"], s["outcome"]["id"], s["score"]) for n in want["nodes"] for s in n["scores"]})
