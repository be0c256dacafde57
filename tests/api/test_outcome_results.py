"""Course.outcomeResults against docs/behaviour.md (§2.4, §2.6, §3.6, §3.9): every argument, order, paging,
nested fields, errors. Expectations are computed from the bundle JSON (tests/api/expected.py), never read back
from the database.
"""

from __future__ import annotations

import base64
from datetime import datetime

import orjson
import pytest

from outcome_graph.db.tokens import create_token
from tests.api.course_builder import CourseBuilder
from tests.api.test_gradebook_fields import expected_levels
from tests.api.expected import Course
from tests.conftest import DEMO

BAD_CURSOR = ("after: invalid cursor {}: pass an edge cursor, startCursor or endCursor of this connection with "
              "the same sort (cursors of older versions of the API are no longer accepted: start again from the first "
              "page)")

DEMO_DOC = orjson.loads(DEMO.read_bytes())
DEMO_COURSE = Course(DEMO_DOC)

PAGE = """query($userIds: [ID!], $outcomeIds: [ID!], $group: ID, $section: ID, $hidden: Boolean, $first: Int,
                 $after: String) {
  course(id: 1) { outcomeResults(userIds: $userIds, outcomeIds: $outcomeIds, outcomeGroupId: $group,
                                 sectionId: $section, includeHidden: $hidden, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } } } } }"""


async def gql(api, query: str, variables: dict | None = None, *, as_: str = "teacher", errors: bool = False):
    return await api.query(query, variables, as_=as_, errors=errors)


def page_of(data: dict) -> dict:
    return data["course"]["outcomeResults"]


def ids_of(results: list[dict]) -> list[str]:
    return [str(r["id"]) for r in results]


async def all_pages(api, variables: dict, first: int, as_: str = "teacher") -> tuple[list[str], list[dict]]:
    """Every result id, following endCursor until hasNextPage is false; also each page seen."""
    ids, pages, after = [], [], None
    while True:
        page = page_of(await gql(api, PAGE, {**variables, "first": first, "after": after}, as_=as_))
        pages.append(page)
        ids += [e["node"]["id"] for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if page["edges"]:
            assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
            assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return ids, pages
        assert len(page["edges"]) == first
        after = page["pageInfo"]["endCursor"]


def expected_page(ids: list[str], first: int, after_index: int | None = None) -> dict:
    """The page a connection over `ids` answers (cursors left out)."""
    start = 0 if after_index is None else after_index + 1
    edges = ids[start:start + first]
    return {"totalCount": len(ids), "ids": edges, "hasNextPage": start + first < len(ids),
            "hasPreviousPage": after_index is not None}


def shape(page: dict) -> dict:
    return {"totalCount": page["totalCount"], "ids": [e["node"]["id"] for e in page["edges"]],
            "hasNextPage": page["pageInfo"]["hasNextPage"], "hasPreviousPage": page["pageInfo"]["hasPreviousPage"]}


# ---------------------------------------------------------------- order and paging on the demo course

async def test_teacher_pages_through_every_counted_result_in_spec_order_exactly_once(api):
    expected = ids_of(DEMO_COURSE.visible_results())
    assert len(expected) > 400  # the demo: 443 results, 5 hidden
    for first in (100, 13):
        ids, pages = await all_pages(api, {}, first)
        assert ids == expected, f"first={first}"
        assert len(set(ids)) == len(ids)
        assert {p["totalCount"] for p in pages} == {len(expected)}


async def test_order_puts_equal_sortable_names_by_user_id_then_outcome_then_result(empty_api):
    c = CourseBuilder()
    s = c.section(10)
    c.teacher(1)
    # Two students share a sortable name (ties by id); case must not matter; unicode sorts after ascii.
    for uid, name in [(31, "Zed, Amy"), (22, "lee, Bo"), (23, "Lee, Bo"), (24, "Émile, Zoë"), (25, "Adams, Al")]:
        c.student(uid, name, s)
    o1, o2 = c.outcome(902), c.outcome(901)
    # Two alignments per outcome, so each (user, outcome) has two results; ids count down against the order.
    alignments = [c.align(o, c.asset()) for o in (o1, o2) for _ in (0, 1)]
    rid = 700
    for uid in (31, 25, 24, 23, 22):
        for al in alignments:
            rid -= 1
            c.result(uid, al, 1.0, rid=rid)
    await c.load(empty_api, teacher=1)
    expected = ids_of(Course(c.doc()).visible_results())
    ids, _ = await all_pages(empty_api, {}, 3)
    assert ids == expected
    users = [r["user_id"] for r in Course(c.doc()).visible_results()]
    assert list(dict.fromkeys(users)) == [25, 22, 23, 31, 24]


async def test_a_cursor_keeps_its_place_when_earlier_results_disappear(api):
    first = page_of(await gql(api, PAGE, {"first": 5}))
    async with api.engine.begin() as conn:
        from sqlalchemy import update

        from outcome_graph.db import models as m
        await conn.execute(update(m.OutcomeResult).where(
            m.OutcomeResult.id.in_([int(e["node"]["id"]) for e in first["edges"]])).values(deleted=True))
        # as every write of a course's data does (db/writes.py): totalCount is kept per data version
        await conn.execute(update(m.Course).where(m.Course.id == 1).values(data_version=m.Course.data_version + 1))
    second = page_of(await gql(api, PAGE, {"first": 5, "after": first["pageInfo"]["endCursor"]}))
    expected = ids_of(DEMO_COURSE.visible_results())
    assert [e["node"]["id"] for e in second["edges"]] == expected[5:10]
    assert second["totalCount"] == len(expected) - 5


# ---------------------------------------------------------------- every argument at sizes 0, 1 and 10

def wide_course() -> CourseBuilder:
    """Section 10 has ten students, 11 one, 12 none; group 21 no outcome, 22 one, 23 ten; some hidden results."""
    c = CourseBuilder()
    for sid in (10, 11, 12):
        c.section(sid)
    c.teacher(1, 10)
    names = ["Quinn, Ada", "Able, Ben", "ng, Chi", "Ng, Chi", "Östlund, Dag", "Ørsted, Eva", "Brown, Fay",
             "brown, Gus", "Hale, Hal", "Ito, Ivy", "Jones, Jo"]
    for i, name in enumerate(names):
        c.student(201 + i, name, 10 if i < 10 else 11)
    c.group("Empty", gid=21)
    g1, g10 = c.group("One", gid=22), c.group("Ten", gid=23)
    outcomes = [c.outcome(301, group=g1)] + [c.outcome(302 + i, group=g10) for i in range(10)]
    for o in outcomes:
        al = c.align(o, c.asset())
        for uid in range(201, 212):
            if (uid + o) % 7 == 0:
                continue  # some pairs have no result
            c.result(uid, al, float((uid * o) % 6), hidden=(uid + o) % 5 == 0, possible=5.0,
                     submitted=1_700_000_000 + uid * 3600 + o)
    return c


@pytest.fixture
async def wide(empty_api):
    c = wide_course()
    await c.load(empty_api, teacher=1)
    empty_api.course = Course(c.doc())
    return empty_api


ARGUMENT_CASES = {
    "userIds": {0: {"userIds": []}, 1: {"userIds": ["203"]}, 10: {"userIds": [str(u) for u in range(201, 211)]}},
    "outcomeIds": {0: {"outcomeIds": []}, 1: {"outcomeIds": ["305"]},
                   10: {"outcomeIds": [str(o) for o in range(302, 312)]}},
    "outcomeGroupId": {0: {"group": "21"}, 1: {"group": "22"}, 10: {"group": "23"}},
    "sectionId": {0: {"section": "12"}, 1: {"section": "11"}, 10: {"section": "10"}},
}


def wide_expected(course: Course, variables: dict, include_hidden: bool = False) -> list[str]:
    users = [int(u) for u in variables["userIds"]] if "userIds" in variables else None
    if "section" in variables:
        users = course.students(section=int(variables["section"]))
    outcomes = [int(o) for o in variables["outcomeIds"]] if "outcomeIds" in variables else None
    if "group" in variables:
        outcomes = course.outcome_ids(group=int(variables["group"]))
    return ids_of(course.visible_results(users, outcomes, include_hidden=include_hidden))


@pytest.mark.parametrize("argument", sorted(ARGUMENT_CASES))
async def test_each_filter_selects_exactly_its_results_at_sizes_0_1_and_10(wide, argument):
    for size, variables in ARGUMENT_CASES[argument].items():
        selected = {"userIds": lambda v: v["userIds"], "outcomeIds": lambda v: v["outcomeIds"],
                    "outcomeGroupId": lambda v: wide.course.outcome_ids(int(v["group"])),
                    "sectionId": lambda v: wide.course.students(int(v["section"]))}[argument](variables)
        assert len(selected) == size
        for hidden in (False, True):
            expected = wide_expected(wide.course, variables, include_hidden=hidden)
            assert (len(expected) == 0) is (size == 0)
            ids, _ = await all_pages(wide, {**variables, "hidden": hidden}, 100)
            assert ids == expected, (argument, size, hidden)


async def test_include_hidden_adds_exactly_the_hidden_results_in_place(wide):
    plain = wide_expected(wide.course, {})
    everything = wide_expected(wide.course, {}, include_hidden=True)
    hidden = {str(r["id"]) for r in wide.course.results if r["hidden"]}
    assert hidden and [i for i in everything if i not in hidden] == plain
    assert (await all_pages(wide, {"hidden": True}, 100))[0] == everything
    assert (await all_pages(wide, {"hidden": False}, 100))[0] == plain
    assert (await all_pages(wide, {"hidden": None}, 100))[0] == plain  # null = the default, false


async def test_first_and_after_at_sizes_0_1_and_10(wide):
    expected = wide_expected(wide.course, {})
    full = page_of(await gql(wide, PAGE, {"first": 100}))
    for first in (0, 1, 10):
        page = page_of(await gql(wide, PAGE, {"first": first}))
        assert shape(page) == expected_page(expected, first)
        # after the 5th result, and where 10, 1 or 0 results remain
        for index in (4, len(expected) - 11, len(expected) - 2, len(expected) - 1):
            after = full["edges"][index]["cursor"]
            page = page_of(await gql(wide, PAGE, {"first": first, "after": after}))
            assert shape(page) == expected_page(expected, first, index), (first, index)


async def test_first_defaults_to_10_and_100_is_the_maximum(wide):
    expected = wide_expected(wide.course, {})
    page = page_of(await gql(wide, "{ course(id: 1) { outcomeResults { totalCount edges { node { id } } "
                                    "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }"))
    assert [e["node"]["id"] for e in page["edges"]] == expected[:10]
    page = page_of(await gql(wide, PAGE, {"first": 100}))
    assert [e["node"]["id"] for e in page["edges"]] == expected[:100]
    assert page["pageInfo"]["hasNextPage"] is (len(expected) > 100)


# ---------------------------------------------------------------- users: self, sis_user_id, observers

async def test_a_student_names_themself_in_every_form(api):
    expected = ids_of(DEMO_COURSE.visible_results([101], grader=False))
    assert expected
    for form in ("self", "101", "sis_user_id:S0101", " 101 "):
        ids, _ = await all_pages(api, {"userIds": [form]}, 10, as_="student")
        assert ids == expected, form


async def test_sis_user_ids_and_ids_mix_and_duplicates_count_once(api):
    expected = ids_of(DEMO_COURSE.visible_results([101, 102, 107]))
    ids, _ = await all_pages(api, {"userIds": ["sis_user_id:S0107", "101", "102", "sis_user_id:S0101", "107"]}, 100)
    assert ids == expected


async def test_self_for_a_teacher_is_not_a_student(api):
    body = await gql(api, PAGE, {"userIds": ["self"]}, as_="teacher", errors=True)
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == \
        [("userIds: self is not a student of this course", "NOT_FOUND")]


# ---------------------------------------------------------------- nested fields

NESTED = """query($after: String) { course(id: 1) { outcomeResults(first: 100, after: $after, includeHidden: true) {
  pageInfo { hasNextPage endCursor }
  edges { node { id score possible percent mastery hidden hidePoints submittedOrAssessedAt
    user { id name sortableName }
    outcome { id title pointsPossible masteryPoints calculationMethod calculationInt
              ratings { description points mastery color }
              group { id title } path { id parts { name } } alignments { id name assetString } }
    alignment { id name htmlUrl assetString }
    assignment { id name htmlUrl assetString } } } } } }"""


def asset_string(asset: dict) -> str:
    kind = "assessment_question_bank" if asset["type"] == "question_bank" else asset["type"]
    return f"{kind}_{asset['id']}"


def outcome_scoring(c: Course, outcome: dict) -> dict:
    """An outcome's scoring fields as a course shows them: its scale and method win (docs/behaviour.md §4.2)."""
    pp, mp = c.points(outcome["id"])
    scoring = c.scoring(outcome["id"])
    if c.scale:
        ratings = [{"description": r["description"], "points": float(r["points"]), "mastery": r["mastery"],
                    "color": r["color"]} for r in c.scale["ratings"]]
    else:
        ratings = [{"description": r["description"], **level} for r, level in zip(
            sorted(outcome["ratings"], key=lambda r: -r["points"]),
            expected_levels(sorted((r["points"] for r in outcome["ratings"]), reverse=True), mp))]
    return {"pointsPossible": pp, "masteryPoints": mp, "calculationMethod": scoring.method.upper(),
            "calculationInt": scoring.calc_int, "ratings": ratings}  # null for methods without one


def expected_node(c: Course, r: dict) -> dict:
    """One result as docs/behaviour.md §2.6 and docs/architecture.md §4 describe it, from the bundle alone."""
    user = c.users[r["user_id"]]
    outcome = c.outcomes[r["outcome_id"]]
    alignment = c.alignments[r["alignment_id"]]
    asset = c.assets[alignment["asset_id"]]
    group = c.groups[outcome["group_id"]]
    path, g = [], group
    while g.get("parent_id") is not None:
        path.insert(0, g["title"])
        g = c.groups[g["parent_id"]]
    aligned = sorted((a for a in c.doc["alignments"] if a["outcome_id"] == outcome["id"]), key=lambda a: a["id"])
    at = r.get("submitted_at") or r.get("assessed_at")
    return {
        "id": str(r["id"]), "score": r["score"], "possible": r["possible"], "percent": c.percent(r),
        "mastery": r["mastery"], "hidden": r["hidden"], "hidePoints": r["hide_points"],
        "submittedOrAssessedAt": None if at is None else datetime.fromisoformat(at),
        "user": {"id": str(user["id"]), "name": user["name"], "sortableName": user["sortable_name"]},
        "outcome": {"id": str(outcome["id"]), "title": outcome["title"], **outcome_scoring(c, outcome),
                    "group": {"id": str(group["id"]), "title": group["title"]},
                    "path": {"id": str(outcome["id"]), "parts": [{"name": n} for n in path + [outcome["title"]]]},
                    "alignments": [{"id": str(a["id"]), "name": c.assets[a["asset_id"]]["name"],
                                    "assetString": asset_string(c.assets[a["asset_id"]])} for a in aligned]},
        "alignment": {"id": str(alignment["id"]), "name": asset["name"], "htmlUrl": asset["html_url"],
                      "assetString": asset_string(asset)},
        "assignment": {"id": str(asset["id"]), "name": asset["name"], "htmlUrl": asset["html_url"],
                       "assetString": asset_string(asset)} if asset["type"] in ("assignment", "quiz") else None,
    }


async def test_every_nested_field_of_every_result(api):
    got, after = [], None
    while True:
        page = page_of(await gql(api, NESTED, {"after": after}))
        got += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    for node in got:
        at = node["submittedOrAssessedAt"]
        node["submittedOrAssessedAt"] = None if at is None else datetime.fromisoformat(at)
    expected = [expected_node(DEMO_COURSE, r) for r in DEMO_COURSE.visible_results(include_hidden=True)]
    assert len(got) == len(expected) == len(DEMO_DOC["results"])
    for g, e in zip(got, expected):
        assert g == e
    kinds = {n["alignment"]["assetString"].rsplit("_", 1)[0] for n in got}
    assert kinds == {"assignment", "quiz", "rubric"} and any(n["assignment"] is None for n in got)


async def test_outcomes_reached_through_a_course_show_its_scale_and_method(empty_api):
    scale = {"ratings": [{"description": "Top", "points": 4, "mastery": False, "color": "0374B5"},
                         {"description": "Mastery", "points": 3, "mastery": True, "color": "0B874B"},
                         {"description": "None", "points": 0, "mastery": False, "color": "E0061F"}]}
    c = CourseBuilder(mastery_scale=scale, calculation_method={"method": "n_mastery", "int": 2})
    c.section(10)
    c.teacher(1)
    c.student(21, "A, A")
    g = c.group("Strand")
    c.outcome(50, method="latest", group=g)
    c.outcome(51, method="decaying_average", calc_int=40, points_possible=10, mastery_points=6)
    for oid in (50, 51):
        c.result(21, c.align(oid, c.asset()), 2.0, possible=5.0)
    await c.load(empty_api, teacher=1)
    course = Course(c.doc())
    got = await gql(empty_api, NESTED, {})
    nodes = [e["node"] for e in got["course"]["outcomeResults"]["edges"]]
    for node in nodes:
        at = node["submittedOrAssessedAt"]
        node["submittedOrAssessedAt"] = None if at is None else datetime.fromisoformat(at)
    assert nodes == [expected_node(course, r) for r in course.visible_results(include_hidden=True)]
    assert {n["outcome"]["calculationMethod"] for n in nodes} == {"N_MASTERY"}
    # the outcome on its own (no course to take a scale from) shows its own scoring
    own = await gql(empty_api, "{ outcome(id: 51) { pointsPossible masteryPoints calculationMethod calculationInt "
                               "ratings { points } } }")
    assert own["outcome"] == {"pointsPossible": 10.0, "masteryPoints": 6.0, "calculationMethod": "DECAYING_AVERAGE",
                              "calculationInt": 40, "ratings": [{"points": 5.0}, {"points": 3.0}, {"points": 0.0}]}


# ---------------------------------------------------------------- errors (docs/behaviour.md §3.9) and bad paging input

ERROR_CASES = [
    # (role, variables, code, message)
    ("student", {}, "FORBIDDEN", "users not specified and no access to all grades"),
    ("observer", {}, "FORBIDDEN", "users not specified and no access to all grades"),
    ("designer", {}, "FORBIDDEN", "users not specified and no access to all grades"),
    ("student", {"userIds": ["102"]}, "FORBIDDEN", "not authorized to read grades for specified users"),
    ("student", {"userIds": ["self", "102"]}, "FORBIDDEN", "not authorized to read grades for specified users"),
    ("observer", {"userIds": ["101"]}, "FORBIDDEN", "not authorized to read grades for specified users"),
    ("designer", {"userIds": ["101"]}, "FORBIDDEN", "not authorized to read grades for specified users"),
    ("ta", {"userIds": ["101"]}, "FORBIDDEN", "not authorized to read grades for specified users"),
    # unknown users answer as users they may not read: no roster or SIS id oracle (docs/access.md)
    ("student", {"userIds": ["99999"]}, "FORBIDDEN", "not authorized to read grades for specified users"),
    ("student", {"userIds": ["sis_user_id:NOPE"]}, "FORBIDDEN", "not authorized to read grades for specified users"),
    ("teacher", {"userIds": ["99999"]}, "NOT_FOUND", "userIds: 99999 is not a student of this course"),
    ("teacher", {"userIds": ["2"]}, "NOT_FOUND", "userIds: 2 is not a student of this course"),
    ("teacher", {"userIds": ["101"], "section": "10"}, "BAD_USER_INPUT", "pass userIds or sectionId, not both"),
    ("teacher", {"section": "99"}, "NOT_FOUND", "sectionId: no section 99 in this course"),
    ("teacher", {"outcomeIds": ["201"], "group": "2"}, "BAD_USER_INPUT", "pass outcomeIds or outcomeGroupId, not both"),
    ("teacher", {"outcomeIds": ["201", "999"]}, "NOT_FOUND", "outcomeIds: outcome 999 is not linked in this course"),
    ("teacher", {"group": "999"}, "NOT_FOUND", "outcomeGroupId: no outcome group 999 in this course"),
    # docs/behaviour.md §3.9 order: permissions come before the outcome and user checks
    ("student", {"outcomeIds": ["999"]}, "FORBIDDEN", "users not specified and no access to all grades"),
    ("student", {"userIds": ["102"], "outcomeIds": ["999"]}, "FORBIDDEN",
     "not authorized to read grades for specified users"),
    ("student", {"hidden": True, "userIds": ["self"]}, "FORBIDDEN",
     "includeHidden: true is for graders only (who see every grade)"),
    ("teacher", {"first": 101}, "BAD_USER_INPUT", "first must be at most 100 (the maximum page size), got 101"),
    ("teacher", {"first": -1}, "BAD_USER_INPUT", "first must be between 0 and 100, got -1"),
    ("teacher", {"after": "not-a-cursor"}, "BAD_USER_INPUT",
     BAD_CURSOR.format("'not-a-cursor'")),
]


async def test_errors_carry_canvas_messages_and_codes(api):
    failures = []
    for role, variables, code, message in ERROR_CASES:
        body = (await api.raw(PAGE, variables, token=api.tokens[role])).json()
        for error in body.get("errors", []):  # which argument: tests/api/test_error_terms.py
            error.get("extensions", {}).pop("argument", None)
        if body != {"data": {"course": {"outcomeResults": None}}, "errors": [
                {"message": message, "locations": [{"line": 3, "column": 19}], "path": ["course", "outcomeResults"],
                 "extensions": {"code": code}}]}:
            failures.append((role, variables, code, message, body["errors"]))
    assert not failures


async def test_an_unknown_course_and_another_course_answer_alike(api):
    query = "{ course(id: 999) { outcomeResults { totalCount } } }"
    body = await gql(api, query, as_="teacher", errors=True)
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == \
        [("The specified resource does not exist.", "NOT_FOUND")]
    c = CourseBuilder(course_id=2, name="Another course")
    c.section(20)
    c.teacher(9, 20)
    await c.load(api, other_teacher=9)
    body = await gql(api, "{ course(id: 1) { outcomeResults { totalCount } } }", as_="other_teacher", errors=True)
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == \
        [("The specified resource does not exist.", "NOT_FOUND")]


async def test_no_or_a_bad_token_is_unauthenticated(api):
    for token in (None, "garbage", "Bearer", api.tokens["teacher"] + "x"):
        body = (await api.raw(PAGE, {"first": 1}, token=token)).json()
        assert body["data"] == {"course": None}
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"], token
    body = (await api.raw(PAGE, {"first": 1}, headers={"Authorization": "Basic abc"})).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_cursors_of_other_connections_or_forged_ones_are_bad_input(api):
    rollup = (await gql(api, "{ course(id: 1) { outcomeRollups(first: 1) { pageInfo { endCursor } } } }"))
    forged = [rollup["course"]["outcomeRollups"]["pageInfo"]["endCursor"],
              base64.urlsafe_b64encode(orjson.dumps(["result", "x", "1", 2, 3])).decode(),
              base64.urlsafe_b64encode(orjson.dumps(["result", "x", 1, 2])).decode(), "", "%%%"]
    for after in forged:
        body = await gql(api, PAGE, {"after": after}, errors=True)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], after
        assert body["data"] == {"course": {"outcomeResults": None}}  # partial results: the course survives


async def test_a_removed_students_cursor_still_pages_after_its_place(api):
    """A cursor is a sort key: the student it names need not be selected any more."""
    full = page_of(await gql(api, PAGE, {"first": 100}))
    cursor = full["edges"][20]["cursor"]
    uid = DEMO_COURSE.visible_results()[20]["user_id"]
    others = [u for u in DEMO_COURSE.students() if u != uid]
    page = page_of(await gql(api, PAGE, {"first": 5, "after": cursor, "userIds": [str(u) for u in others]}))
    later = [r for r in DEMO_COURSE.visible_results()[21:] if r["user_id"] != uid]
    assert [e["node"]["id"] for e in page["edges"]] == ids_of(later[:5])


async def test_observer_and_token_for_a_section_12_student(api):
    api.tokens["s121"] = await create_token(api.engine, user_id=121)
    mine = ids_of(DEMO_COURSE.visible_results([121], grader=False))
    graded = ids_of(DEMO_COURSE.visible_results([121]))
    assert set(graded) - set(mine) == {"1304", "1308", "1309"}  # asset 304, manual policy, unposted
    assert (await all_pages(api, {"userIds": ["self"]}, 100, as_="s121"))[0] == mine
    assert (await all_pages(api, {"userIds": ["121"]}, 100, as_="teacher"))[0] == graded
    assert (await all_pages(api, {"userIds": ["107"]}, 100, as_="observer"))[0] == \
        ids_of(DEMO_COURSE.visible_results([107], grader=False))


async def test_non_ascii_capitals_sort_as_their_lower_case_on_every_database(empty_api):
    """Results and rollups (STUDENT) follow the same name order on SQLite and PostgreSQL (resolvers/results.py
    name_key): PostgreSQL's lower() code point by code point, compared as code points. SQLite's own lower()
    folds ASCII only ('Ölz' before 'öberg'); Python's str.lower() has a final sigma and lowers 'İ' to 'i̇'."""
    c = CourseBuilder()
    c.section(10)
    c.teacher(1)
    names = {21: "Ölz, Anna", 22: "öberg, Bo", 23: "ΑΣ, Zoe", 24: "ας, Zz", 25: "İa, X", 26: "ib, Y"}
    for uid, name in names.items():
        c.student(uid, name, sortable_name=name)
    al = c.align(c.outcome(50), c.asset())
    for uid in names:
        c.result(uid, al, 1.0, possible=5.0)
    await c.load(empty_api, teacher=1)
    results = page_of(await gql(empty_api, """{ course(id: 1) { outcomeResults { totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id user { id } } } } } }"""))
    rollups = await gql(empty_api, "{ course(id: 1) { outcomeRollups(sortBy: STUDENT) { edges { node { user { id } } } } } }")
    by_results = [e["node"]["user"]["id"] for e in results["edges"]]
    by_rollups = [e["node"]["user"]["id"] for e in rollups["course"]["outcomeRollups"]["edges"]]
    # "ia" < "ib" < "öberg" < "ölz" < "ας, zz" < "ασ, zoe" (U+03C2 final sigma before U+03C3)
    assert by_results == by_rollups == ["25", "26", "22", "21", "24", "23"]
    page = page_of(await gql(empty_api, "query($a: String) { course(id: 1) { outcomeResults(first: 2, after: $a) "
                                        "{ totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } "
                                        "edges { cursor node { id user { id } } } } } }",
                             {"a": results["edges"][2]["cursor"]}))
    assert [e["node"]["user"]["id"] for e in page["edges"]] == ["21", "24"]  # cursors carry the same key


async def test_the_name_fold_is_postgresqls_lower_for_every_cased_code_point(empty_api):
    """db/engine.py unicode_lower (SQLite's registered function, the rollups' sort key) against the database:
    PostgreSQL's lower() under its UTF-8 locale, or the function registered on SQLite; SQLite's own lower()
    stays as it is (expression indexes may use it)."""
    from sqlalchemy import text

    from outcome_graph.db.engine import unicode_lower

    cased = [chr(i) for i in range(0x80, 0x30000) if not 0xD800 <= i < 0xE000 and chr(i).lower() != chr(i)]
    words = cased + ["ΟΔΥΣΣΕΥΣ", "İstanbul", "Ölz, Anna", "plain ascii", ""]
    async with empty_api.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            rows = (await conn.execute(text("SELECT x, lower(x) FROM unnest(CAST(:xs AS text[])) AS x"),
                                       {"xs": words})).all()
        else:
            rows = (await conn.execute(text("SELECT value, unicode_lower(value) FROM json_each(:xs)"),
                                       {"xs": orjson.dumps(words).decode()})).all()
            assert (await conn.execute(text("SELECT lower('ÖLZ'), unicode_lower(NULL)"))).one() == ("Ölz", None)
    assert len(rows) == len(words)
    assert [r[0] for r in rows if r[1] != unicode_lower(r[0])] == []
    assert unicode_lower("ΟΔΥΣΣΕΥΣ, İa") == "οδυσσευσ, ia"


async def test_results_of_a_deleted_alignment_or_deleted_results_do_not_count(api):
    from sqlalchemy import update

    from outcome_graph.db import models as m

    async with api.engine.begin() as conn:
        await conn.execute(update(m.Alignment).where(m.Alignment.id == 402).values(deleted=True))
        await conn.execute(update(m.OutcomeResult).where(m.OutcomeResult.id == 1002).values(deleted=True))
    gone = {str(r["id"]) for r in DEMO_DOC["results"] if r["alignment_id"] == 402} | {"1002"}
    expected = [i for i in ids_of(DEMO_COURSE.visible_results()) if i not in gone]
    ids, pages = await all_pages(api, {}, 100)
    assert ids == expected and pages[0]["totalCount"] == len(expected)
    outcome = await gql(api, '{ course(id: 1) { outcomes(outcomeIds: ["201"]) { alignments { id } } } }')
    assert outcome["course"]["outcomes"] == [{"alignments": [{"id": "401"}, {"id": "403"}]}]
