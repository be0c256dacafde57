"""User.outcomeResults, batched over a request's users (resolvers/user_results.py): each user's page is what
Course.outcomeResults(userIds: [user]) answers (edges, cursors, pageInfo, totalCount, errors), for every role,
argument and cursor, and N users cost the statements of one. Expectations come from the demo bundle
(tests/api/expected.py) and from the single-user path itself (differential).
"""

from __future__ import annotations

import orjson
import pytest

from outcome_graph.db.tokens import create_token
from tests.api.expected import Course
from tests.api.test_outcome_results import expected_page, shape
from tests.conftest import DEMO, OBSERVED_STUDENT, STUDENT, TEACHER, TWO_SECTION_STUDENT

BAD_CURSOR = ("after: invalid cursor {}: pass an edge cursor, startCursor or endCursor of this connection with "
              "the same sort (cursors of older versions of the API are no longer accepted: start again from the first "
              "page)")

C = Course(orjson.loads(DEMO.read_bytes()))
EVERYONE = C.students()
HIDDEN_STUDENT = 103  # has hidden results
UNPOSTED_STUDENT = 121  # has results held back by a manual post policy
NOT_STUDENTS = ("userIds: 1 is not a student of this course", "NOT_FOUND")

ARGS = "$first: Int, $after: String, $hidden: Boolean, $outcomeIds: [ID!], $courseId: ID! = 1"
FIELD_ARGS = "first: $first, after: $after, includeHidden: $hidden, outcomeIds: $outcomeIds"
PAGE = ("totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } "
        "edges { cursor node { id score hidden user { id } outcome { id } alignment { id name } } }")
ENTITIES = f"""query($r: [_Any!]!, {ARGS}) {{
  _entities(representations: $r) {{ ... on User {{ id outcomeResults(courseId: $courseId, {FIELD_ARGS}) {{ {PAGE} }} }} }} }}"""
COURSE_FIELD = f"""query($u: [ID!], {ARGS}) {{
  course(id: $courseId) {{ outcomeResults(userIds: $u, {FIELD_ARGS}) {{ {PAGE} }} }} }}"""


def refs(user_ids) -> dict:
    return {"r": [{"__typename": "User", "id": str(u)} for u in user_ids]}


def outcome(body: dict, path: list) -> dict | tuple | None:
    """The page at `path`, else the (message, code) of the error there; None when the parent is null."""
    errors = [e for e in body.get("errors") or [] if e["path"][:len(path)] == path]
    if errors:
        assert len(errors) == 1, errors
        return errors[0]["message"], errors[0]["extensions"]["code"]
    node = body["data"]
    for step in path:
        if node is None:
            return None
        node = node[step]
    return node


async def batched(api, role: str, user_ids, variables: dict) -> list:
    """Each user's User.outcomeResults (page, error or None) from one _entities request."""
    body = (await api.raw(ENTITIES, {**refs(user_ids), **variables}, token=api.tokens[role])).json()
    assert body["data"] is not None, body
    got = []
    for i, entity in enumerate(body["data"]["_entities"]):
        value = outcome(body, ["_entities", i, "outcomeResults"])
        got.append(value if entity is not None or isinstance(value, tuple) else None)
    return got


async def single(api, role: str, user_id: int, variables: dict):
    """Course.outcomeResults(userIds: [user]): the single-user path the batch must agree with."""
    body = (await api.raw(COURSE_FIELD, {"u": [str(user_id)], **variables}, token=api.tokens[role])).json()
    return outcome(body, ["course", "outcomeResults"])


async def assert_same_as_single(api, role: str, user_ids, variables: dict) -> list:
    got = await batched(api, role, user_ids, variables)
    assert len(got) == len(user_ids)
    for uid, page in zip(user_ids, got):
        if page is not None:  # None: the viewer may not resolve that User at all (test_entities.py)
            assert page == await single(api, role, uid, variables), (role, uid, variables)
    return got


# --------------------------------------------------------------------------------------- what each page is

@pytest.mark.parametrize("first", [0, 1, 10])
async def test_each_users_page_is_their_course_page(api, first):
    users = EVERYONE + [TEACHER]
    for hidden in (False, True):
        got = await assert_same_as_single(api, "teacher", users, {"first": first, "hidden": hidden})
        for uid, page in zip(EVERYONE, got):
            ids = [str(r["id"]) for r in C.visible_results([uid], include_hidden=hidden)]
            assert shape(page) == expected_page(ids, first), (uid, hidden)
        assert got[-1] == NOT_STUDENTS  # the teacher is no student: their field alone fails


@pytest.mark.parametrize("size", [0, 1, 10])
async def test_batches_of_0_1_and_10_users(api, size):
    users = EVERYONE[:size]
    got = await assert_same_as_single(api, "teacher", users, {"first": 100})
    assert [shape(p) for p in got] == [expected_page([str(r["id"]) for r in C.visible_results([u])], 100)
                                       for u in users]


@pytest.mark.parametrize("role", ["teacher", "admin", "ta", "student", "observer", "designer", "observed",
                                  "two_sections", "concluded", "no_results", HIDDEN_STUDENT, UNPOSTED_STUDENT])
async def test_every_role_sees_what_the_course_field_shows_it(api, role):
    if isinstance(role, int):  # a student with hidden or unposted results, reading their own
        api.tokens[role] = await create_token(api.engine, user_id=role)
    users = [TEACHER, 2, 4, STUDENT, 102, HIDDEN_STUDENT, TWO_SECTION_STUDENT, OBSERVED_STUDENT, UNPOSTED_STUDENT,
             118, 130, 999999]
    for variables in ({"first": 100}, {"first": 100, "hidden": True}, {"first": 2, "outcomeIds": ["201", "203"]}):
        got = await assert_same_as_single(api, role, users, variables)
        assert any(p is not None for p in got), role


async def test_non_graders_never_see_hidden_or_unposted_results(api):
    for uid in (HIDDEN_STUDENT, UNPOSTED_STUDENT):
        api.tokens["self"] = await create_token(api.engine, user_id=uid)
        [page] = await batched(api, "self", [uid], {"first": 100})
        assert shape(page) == expected_page([str(r["id"]) for r in C.visible_results([uid], grader=False)], 100)
        [teacher_page] = await batched(api, "teacher", [uid], {"first": 100, "hidden": True})
        assert page["totalCount"] < teacher_page["totalCount"], uid  # the demo has some of each for them
        [refused] = await batched(api, "self", [uid], {"first": 100, "hidden": True})
        assert refused == ("includeHidden: true is for graders only (who see every grade)", "FORBIDDEN")


# --------------------------------------------------------------------------------------------- cursors

async def test_every_user_pages_through_all_their_results_with_their_own_cursors(api):
    """Users on different pages in one request: a batch holds several cursors (one statement each)."""
    users = [STUDENT, HIDDEN_STUDENT, TWO_SECTION_STUDENT, 130]
    aliases = " ".join(f'u{u}: user(id: "{u}") {{ outcomeResults(courseId: 1, first: 3, after: $a{u}) {{ {PAGE} }} }}'
                       for u in users)
    query = "query(" + ", ".join(f"$a{u}: String" for u in users) + ") { " + aliases + " }"
    seen: dict[int, list[str]] = {u: [] for u in users}
    after: dict[int, str | None] = {u: None for u in users}
    done: set[int] = set()
    while len(done) < len(users):
        data = await api.query(query, {f"a{u}": after[u] for u in users}, as_="teacher")
        for u in users:
            page = data[f"u{u}"]["outcomeResults"]
            assert page == await single(api, "teacher", u, {"first": 3, "after": after[u]}), u
            if u in done:
                continue
            seen[u] += [e["node"]["id"] for e in page["edges"]]
            if page["pageInfo"]["hasNextPage"]:
                after[u] = page["pageInfo"]["endCursor"]
            else:
                done.add(u)
    for u in users:
        assert seen[u] == [str(r["id"]) for r in C.visible_results([u])], u


async def test_one_cursor_for_every_user_keeps_the_single_user_meaning(api):
    """A cursor orders against every user's results (sortable name first): users sorting before its user get an
    empty page that still counts all their results, users after it get their first page."""
    [page] = await batched(api, "teacher", [TWO_SECTION_STUDENT], {"first": 2})
    middle = page["pageInfo"]["endCursor"]
    [last] = await batched(api, "teacher", [TWO_SECTION_STUDENT], {"first": 100})
    end = last["pageInfo"]["endCursor"]
    for after in (middle, end):
        got = await assert_same_as_single(api, "teacher", EVERYONE, {"first": 3, "after": after})
        totals = [p["totalCount"] for p in got]
        assert totals == [len(C.visible_results([u])) for u in EVERYONE]
        assert all(p["pageInfo"]["hasPreviousPage"] for p in got)
        assert any(not p["edges"] for p in got) and any(p["edges"] for p in got)
    [past_the_end] = await batched(api, "teacher", [TWO_SECTION_STUDENT], {"first": 3, "after": end})
    assert past_the_end == {"totalCount": len(C.visible_results([TWO_SECTION_STUDENT])), "edges": [], "pageInfo": {
        "hasNextPage": False, "hasPreviousPage": True, "startCursor": None, "endCursor": None}}


# ----------------------------------------------------------------------------------------------- errors

@pytest.mark.parametrize("variables, error", [
    ({"first": -1}, ("first must be between 0 and 100, got -1", "BAD_USER_INPUT")),
    ({"first": 101}, ("first must be at most 100 (the maximum page size), got 101", "BAD_USER_INPUT")),
    ({"after": "bm90IGEgY3Vyc29y"}, (BAD_CURSOR.format("'bm90IGEgY3Vyc29y'"), "BAD_USER_INPUT")),
    ({"outcomeIds": ["x"]}, ("outcomeIds: 'x' is not an id (a positive integer)", "BAD_USER_INPUT")),
    ({"outcomeIds": ["999999"]}, ("outcomeIds: outcome 999999 is not linked in this course", "NOT_FOUND")),
    ({"courseId": "999"}, ("The specified resource does not exist.", "NOT_FOUND")),
    ({"courseId": "x"}, ("courseId: 'x' is not an id (a positive integer)", "BAD_USER_INPUT")),
])
async def test_bad_arguments_fail_every_users_field(api, variables, error):
    users = [STUDENT, 102, HIDDEN_STUDENT]
    assert await batched(api, "teacher", users, {"first": 3, **variables}) == [error] * len(users)
    if "courseId" not in variables:
        assert await single(api, "teacher", STUDENT, {"first": 3, **variables}) == error


async def test_a_token_is_needed(api):
    api.tokens["anonymous"] = None
    body = (await api.raw(ENTITIES, {**refs([STUDENT]), "first": 3})).json()
    assert body["data"] == {"_entities": [None]}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


# ------------------------------------------------------------------------------------------------ N + 1

@pytest.mark.parametrize("role, users", [("teacher", EVERYONE), ("ta", [u for u in EVERYONE if 11 in C.sections_of(u)]),
                                         ("admin", EVERYONE)])
async def test_many_users_cost_the_statements_of_one(api, role, users):
    [first_page] = await batched(api, "teacher", [TWO_SECTION_STUDENT], {"first": 2})
    for variables in ({"first": 3}, {"first": 3, "hidden": True, "outcomeIds": ["201", "202"]},
                      {"first": 3, "after": first_page["pageInfo"]["endCursor"]}):
        one = await api.statements(ENTITIES, {**refs(users[:1]), **variables}, as_=role)
        many = await api.statements(ENTITIES, {**refs(users), **variables}, as_=role)
        assert many == one, (role, variables, one, many)
