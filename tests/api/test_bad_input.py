"""Bad input, generated: every answer is a coded, clear error or a correct result, and a failure writes nothing.

Ids (plain, `sis_user_id:` forms, huge, negative, unicode, empty), id lists, cursors, enum values, whole
variable maps, course bundles and (once the Mutation type exists) mutation inputs, each through HTTP.
"""

from __future__ import annotations

import base64
import copy
import os
import re
import string

import orjson
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)
from sqlalchemy import select

from outcome_graph.db import models
from outcome_graph.db.bundle import BundleError
from outcome_graph.db.engine import unicode_lower
from outcome_graph.db.importer import import_bundle
from outcome_graph.db.tokens import create_token
from outcome_graph.schema import build_schema
from tests.conftest import DEMO

CLEAR_CODES = {"BAD_USER_INPUT", "NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED", "GRAPHQL_VALIDATION_FAILED",
               "GRAPHQL_PARSE_FAILED"}
MAX_ID = 2**63 - 1
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

DEMO_DOC = orjson.loads(DEMO.read_bytes())
SIS = {u["sis_user_id"]: u["id"] for u in DEMO_DOC["users"] if u.get("sis_user_id")}
USER_IDS = [u["id"] for u in DEMO_DOC["users"]]
OUTCOME_IDS = [o["id"] for o in DEMO_DOC["outcomes"]]
GROUP_IDS = [g["id"] for g in DEMO_DOC["outcome_groups"]]
SECTION_IDS = [s["id"] for s in DEMO_DOC["sections"]]
ROLES = ["teacher", "ta", "student", "observer", "admin", None]
UNSTORED = {"api_tokens"}  # tokens record their last use on reads


# ---------------------------------------------------------------- helpers

def clear(body: dict) -> dict:
    """Every error is clear: a message and a code a client can act on; never INTERNAL_SERVER_ERROR."""
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code in CLEAR_CODES, body
        assert error.get("message") and "Internal" not in error["message"], body
    return body


async def post(api, query: str, variables=None, role: str | None = "teacher") -> dict:
    response = await api.raw(query, variables, token=api.tokens.get(role) if role else None)
    body = response.json()
    assert response.status_code in (200, 400), (response.status_code, body)
    return clear(body)


async def snapshot(engine) -> dict[str, list]:
    """Every stored row of every table (the demo course is small), to prove a failed call wrote nothing."""
    async with engine.connect() as conn:
        return {t.name: sorted(map(tuple, (await conn.execute(select(t))).all()), key=repr)
                for t in models.Base.metadata.sorted_tables if t.name not in UNSTORED}


def canonical_id(value) -> int | None:
    """The integer id a client means, per docs/architecture.md §2 (None: no valid id)."""
    text = str(value).strip()
    if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


def canonical_user(value, viewer: int | None) -> int | None:
    """A user reference: an id, `self` or `sis_user_id:X` of a stored user."""
    text = str(value).strip()
    if text == "self":
        return viewer
    if text.startswith("sis_user_id:"):
        return SIS.get(text[len("sis_user_id:"):])
    return canonical_id(text)


VIEWER = {"teacher": 1, "ta": 2, "observer": 3, "student": 101}

# ---------------------------------------------------------------- strategies

digits = st.integers(min_value=-(2**80), max_value=2**80).map(str)
known = st.sampled_from(USER_IDS + OUTCOME_IDS + GROUP_IDS + SECTION_IDS + [1]).map(str)
odd_forms = st.sampled_from(["", " ", "0", "-1", "+101", "0101", " 101 ", "101\x00", "1e3", "0x65", "1.0",
                             "١٠١", "１０１", "101\u200b", "9223372036854775807", "9223372036854775808",
                             "self", "sis_user_id:", "sis_user_id: S0101", "SIS_USER_ID:S0101",
                             "sis_user_id:S0101", "sis_user_id:\x00", "sis_user_id:" + "x" * 300, "null"])
sis_forms = st.one_of(st.sampled_from(sorted(SIS)), st.text(max_size=12)).map(lambda s: f"sis_user_id:{s}")
id_strings = st.one_of(known, digits, odd_forms, sis_forms, st.text(max_size=20))
id_values = st.one_of(id_strings, st.integers(min_value=-(2**70), max_value=2**70))

# One variable `$id` (or `$ids`) per query; the name says which canonical form applies.
ID_QUERIES = {
    "course": ("query($id: ID!) { course(id: $id) { id name } }", "id"),
    "outcome": ("query($id: ID!) { outcome(id: $id) { id title } }", "id"),
    "user": ("query($id: ID!) { user(id: $id) { id name } }", "user"),
    "results_users": ("query($ids: [ID!]) { course(id: 1) { outcomeResults(userIds: $ids, first: 100) "
                      "{ totalCount edges { node { id user { id } } } } } }", "users"),
    "results_outcomes": ("query($ids: [ID!]) { course(id: 1) { outcomeResults(outcomeIds: $ids) "
                         "{ totalCount edges { node { id } } } } }", "ids"),
    "results_group": ("query($id: ID) { course(id: 1) { outcomeResults(outcomeGroupId: $id) { totalCount } } }",
                      "id"),
    "results_section": ("query($id: ID) { course(id: 1) { outcomeResults(sectionId: $id) { totalCount } } }", "id"),
    "rollups_users": ("query($ids: [ID!]) { course(id: 1) { outcomeRollups(userIds: $ids, first: 100) "
                      "{ totalCount edges { node { user { id } scores { score count } } } } } }", "users"),
    "rollups_sort": ("query($id: ID) { course(id: 1) { outcomeRollups(sortBy: OUTCOME, sortOutcomeId: $id) "
                     "{ edges { node { user { id } } } } } }", "id"),
    "aggregate": ("query($ids: [ID!]) { course(id: 1) { outcomeRollupAggregate(userIds: $ids) "
                  "{ scores { score count } } } }", "users"),
    "outcomes": ("query($ids: [ID!]) { course(id: 1) { outcomes(outcomeIds: $ids) { id } } }", "ids"),
    "contributing": ("query($id: ID!) { course(id: 1) { contributingScores(outcomeId: $id) "
                     "{ alignments { alignmentId } scores { alignmentId score } } } }", "id"),
    "distribution": ("query($ids: [ID!]) { course(id: 1) { masteryDistribution(userIds: $ids) "
                     "{ outcome { id } } } }", "users"),
}


# ---------------------------------------------------------------- ids

@FUZZ
@given(name=st.sampled_from(sorted(ID_QUERIES)), role=st.sampled_from(ROLES), data=st.data())
async def test_ids_answer_like_their_canonical_form_or_a_clear_error(api, name, role, data):
    query, form = ID_QUERIES[name]
    if form in ("id", "user"):
        raw = data.draw(id_values, "id")
        variables = {"id": raw}
        canon = canonical_user(raw, VIEWER.get(role)) if form == "user" else canonical_id(raw)
        same = None if canon is None else {"id": str(canon)}
    else:
        raw = data.draw(st.lists(id_values, max_size=4), "ids")
        variables = {"ids": raw}
        to = (lambda v: canonical_user(v, VIEWER.get(role))) if form == "users" else canonical_id
        canon = [to(v) for v in raw]
        same = None if None in canon else {"ids": [str(c) for c in canon]}
    body = await post(api, query, variables, role)
    if same is None:
        assert body.get("errors"), (variables, body)  # no valid id: a clear error (checked by post)
        return
    expected = await post(api, query, same, role)
    assert body == as_written(expected, raw, canon), (variables, same)


NAMED_USER = re.compile(r"^(userIds: )(.*)( is not a student of this course)$", re.S)


def as_written(expected: dict, raw, canon) -> dict:
    """The canonical form's answer, where a message names a user reference, naming it as the caller wrote it
    (docs/architecture.md §4): the first one of the list that the canonical message names."""
    raw, canon = (raw, canon) if isinstance(raw, list) else ([raw], [canon])
    answer = copy.deepcopy(expected)
    for error in answer.get("errors") or []:
        named = NAMED_USER.match(error["message"])
        if named:
            written = raw[[str(c) for c in canon].index(named[2])]
            error["message"] = f"{named[1]}{written}{named[3]}"
    return answer


@pytest.mark.parametrize("name", ["results_users", "rollups_users", "results_outcomes", "outcomes", "aggregate"])
async def test_empty_id_lists_select_nothing(api, name):
    body = await post(api, ID_QUERIES[name][0], {"ids": []})
    assert "errors" not in body, body
    course = body["data"]["course"]
    value = next(iter(course.values()))
    if isinstance(value, dict) and "totalCount" in value:
        assert value["totalCount"] == 0 and value["edges"] == []
    elif isinstance(value, dict):
        assert value["scores"] == []
    else:
        assert value == []


async def test_sis_user_ids_select_the_same_rollups_as_ids(api):
    sis = {v: k for k, v in SIS.items()}
    ids = [101, 102, 105]
    query = ID_QUERIES["rollups_users"][0]
    by_sis = await post(api, query, {"ids": [f"sis_user_id:{sis[i]}" for i in ids]})
    by_id = await post(api, query, {"ids": [str(i) for i in ids]})
    assert "errors" not in by_id and by_sis == by_id
    assert [e["node"]["user"]["id"] for e in by_id["data"]["course"]["outcomeRollups"]["edges"]] == \
        [str(i) for i in ids]


async def test_query_user_takes_a_sis_user_id(api):
    """docs/architecture.md §2: `sis_user_id:X` (and `self`) work wherever a user id is accepted, Query.user
    included."""
    query = "query($id: ID!) { user(id: $id) { id } }"
    assert await post(api, query, {"id": "sis_user_id:S0101"}) == {"data": {"user": {"id": "101"}}}
    assert await post(api, query, {"id": " sis_user_id:S0101 "}) == {"data": {"user": {"id": "101"}}}
    assert await post(api, query, {"id": "self"}, "student") == {"data": {"user": {"id": "101"}}}
    unknown = await post(api, query, {"id": "sis_user_id:nobody"})
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    nul = await post(api, query, {"id": "sis_user_id:S0101\x00"})  # never reaches PostgreSQL, which refuses NUL
    assert nul["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    other = await post(api, query, {"id": "sis_user_id:S0102"}, "student")  # another student: like their id
    assert other == await post(api, query, {"id": "102"}, "student")
    assert other == await post(api, query, {"id": "sis_user_id:nobody"}, "student")  # as if unknown (docs/access.md)
    admin_self = await post(api, query, {"id": "self"}, "admin")
    assert admin_self["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("name", ["results_users", "rollups_users", "aggregate", "distribution", "contributing"])
async def test_every_user_ids_argument_reads_self_and_sis_user_ids_alike(api, name):
    """One reading of user references (resolvers/users.py) behind every userIds argument."""
    query = ID_QUERIES[name][0] if name != "contributing" else (
        "query($ids: [ID!]) { course(id: 1) { contributingScores(outcomeId: 201, userIds: $ids) "
        "{ scores { userId alignmentId score } } } }")
    by_id = await post(api, query, {"ids": ["101", "105"]}, "teacher")
    assert "errors" not in by_id, by_id
    assert await post(api, query, {"ids": ["sis_user_id:S0101", " sis_user_id:S0105"]}, "teacher") == by_id
    assert await post(api, query, {"ids": ["self"]}, "student") == await post(api, query, {"ids": ["101"]}, "student")


async def test_enqueue_takes_user_references_like_every_user_argument(api):
    enqueue = ("mutation($course: ID!, $user: ID) { enqueueOutcomeRollupCalculation(courseId: $course, "
               "userId: $user) { user { id } } }")
    by_sis = await post(api, enqueue, {"course": "1", "user": "sis_user_id:S0101"})
    assert by_sis == {"data": {"enqueueOutcomeRollupCalculation": {"user": {"id": "101"}}}}
    for user in ("self", "sis_user_id:nobody", "sis_user_id:\x00"):  # the teacher is no student of the course
        body = await post(api, ENQUEUE, {"course": "1", "user": user})
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", (user, body)


async def test_sis_user_id_with_nul_is_an_unknown_user(api):
    """No stored SIS id holds NUL (PostgreSQL refuses it in a query): on both databases, an unknown user."""
    body = await post(api, ID_QUERIES["results_users"][0], {"ids": ["sis_user_id:\x00"]})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("value", ["0", "9223372036854775808"])
async def test_sort_outcome_id_must_be_a_valid_id(api, value):
    body = await post(api, "query($id: ID) { course(id: 1) { outcomeRollups(sortBy: OUTCOME, sortOutcomeId: $id) "
                           "{ totalCount } } }", {"id": value})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_id_ordered_rollups_continue_after_a_student_who_left(api):
    page = await post(api, "query($after: String) { course(id: 1) { outcomeRollups(after: $after) "
                           "{ edges { node { user { id } } } } } }", {"after": encode(["rollup:id:asc", 1000])})
    assert page == {"data": {"course": {"outcomeRollups": {"edges": []}}}}


# ---------------------------------------------------------------- cursors

RESULT_PAGE = ("query($after: String, $first: Int) { course(id: 1) { outcomeResults(first: $first, after: $after) "
               "{ totalCount edges { cursor node { id } } pageInfo { hasNextPage } } } }")
ROLLUP_PAGE = ("query($after: String, $sort: RollupSortBy, $order: SortOrder, $first: Int, $sortOutcome: ID) { "
               "course(id: 1) { outcomeRollups(first: $first, after: $after, sortBy: $sort, sortOrder: $order, "
               "sortOutcomeId: $sortOutcome) { totalCount edges { cursor node { user { id } } } } } }")
# Cursors carry no names: the name key of a cursor's student comes from their id.
NAME_KEYS = {u["id"]: unicode_lower(u["sortable_name"]) for u in DEMO_DOC["users"]}
KINDS = ["result", "rollup:id:asc", "rollup:id:desc", "rollup:student:asc", "rollup:student:desc",
         "rollup:outcome:asc", "rollup:outcome:desc", "rollup", "", "results"]
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**64 - 1),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)), max_leaves=8)


def encode(value) -> str:
    return "og2." + base64.urlsafe_b64encode(orjson.dumps(value)).decode()


def decode(cursor: str) -> list:
    return orjson.loads(base64.urlsafe_b64decode(cursor.removeprefix("og2.")))


def rollups(sort, order, after=None, first=100) -> dict:
    return {"after": after, "sort": sort, "order": order, "first": first,
            "sortOutcome": "201" if sort == "OUTCOME" else None}


@st.composite
def cursors(draw):
    how = draw(st.sampled_from(["forged", "typed", "text", "mangled"]))
    if how == "forged":
        return encode([draw(st.sampled_from(KINDS)), *draw(st.lists(json_values, max_size=5))])
    if how == "typed":  # a well-formed result cursor with any ids, or a known student's
        user = draw(st.one_of(st.sampled_from(sorted(NAME_KEYS)), st.integers(-(2**63), 2**63)))
        return encode(["result", user, *draw(st.lists(st.integers(-(2**63), 2**63), min_size=2, max_size=2))])
    if how == "text":
        return draw(st.text(max_size=60))
    real = encode(["result", 121, 201, 1299])
    i = draw(st.integers(0, len(real) - 1))
    return real[:i] + draw(st.text(string.ascii_letters + "=-_+/", max_size=3)) + real[i + 1:]


async def all_results(api) -> list[tuple[list, str]]:
    """(sort key, result id) of every result the teacher sees, in connection order, paged with real cursors."""
    if not hasattr(api, "_all_results"):
        out, after = [], None
        while True:
            page = (await post(api, RESULT_PAGE, {"after": after, "first": 100}))["data"]["course"]["outcomeResults"]
            out += [(decode(e["cursor"])[1:], e["node"]["id"]) for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["edges"][-1]["cursor"]
        assert len(out) == page["totalCount"]
        api._all_results = out
    return api._all_results


@FUZZ
@given(after=cursors(), first=st.integers(0, 100))
async def test_result_cursors_page_after_their_key_or_fail_clearly(api, after, first):
    body = await post(api, RESULT_PAGE, {"after": after, "first": first})
    if body.get("errors"):
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert body["data"] == {"course": {"outcomeResults": None}}  # partial results: the course survives
        return
    key = decode(after)[1:]
    ordered = await all_results(api)
    expected = [rid for k, rid in ordered if (NAME_KEYS[k[0]], *k) > (NAME_KEYS[key[0]], *key)][:first] \
        if key[0] in NAME_KEYS else []  # an unknown student's cursor places nothing after it
    assert [e["node"]["id"] for e in body["data"]["course"]["outcomeResults"]["edges"]] == expected


ROLLUP_KEYS = {None: (st.integers(-(2**63), 2**63),),
               "STUDENT": (st.one_of(st.sampled_from(sorted(NAME_KEYS)), st.integers(-(2**63), 2**63)),),
               "OUTCOME": (st.booleans(), st.floats(-1e6, 1e6), st.integers(0, 200))}


@FUZZ
@given(sort=st.sampled_from([None, "STUDENT", "OUTCOME"]), order=st.sampled_from(["ASC", "DESC"]),
       first=st.integers(0, 40), data=st.data())
async def test_rollup_cursors_page_after_their_key_or_fail_clearly(api, sort, order, first, data):
    kind = f"rollup:{(sort or 'id').lower()}:{order.lower()}"
    typed = st.tuples(*ROLLUP_KEYS[sort]).map(lambda key: encode([kind, *key]))
    after = data.draw(st.one_of(cursors(), typed), "after")
    body = await post(api, ROLLUP_PAGE, rollups(sort, order, after, first))
    if body.get("errors"):
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert body["data"] == {"course": {"outcomeRollups": None}}  # partial results: the course survives
        return
    full = (await post(api, ROLLUP_PAGE, rollups(sort, order)))["data"]["course"]
    everyone = [e["node"]["user"]["id"] for e in full["outcomeRollups"]["edges"]]
    got = [e["node"]["user"]["id"] for e in body["data"]["course"]["outcomeRollups"]["edges"]]
    key = decode(after)[1:]
    if sort != "OUTCOME":  # pages follow the cursor's sort key (by id, or by name key then id)
        def whole(k: list) -> tuple:
            return tuple(k) if sort is None else (NAME_KEYS[k[0]], k[0])
        keys = [whole(decode(e["cursor"])[1:]) for e in full["outcomeRollups"]["edges"]]
        later = [u for u, k in zip(everyone, keys) if (k > whole(key) if order == "ASC" else k < whole(key))]
        assert got == later[:first], key
    else:  # missing scores sort last in both directions: a subset, in order
        assert got == [u for u in everyone if u in got] and len(got) <= first


# ---------------------------------------------------------------- enums and whole variable maps

ENUM_QUERY = ("query($sort: RollupSortBy, $order: SortOrder, $exclude: [RollupExclusion!], $stat: AggregateStat, "
              "$sortOutcome: ID) { course(id: 1) { outcomeRollups(sortBy: $sort, sortOrder: $order, exclude: $exclude, "
              "sortOutcomeId: $sortOutcome) { totalCount } outcomeRollupAggregate(stat: $stat, exclude: $exclude) "
              "{ scores { score } } } }")
ENUMS = {"sort": ["STUDENT", "OUTCOME"], "order": ["ASC", "DESC"], "stat": ["MEAN", "MEDIAN"],
         "exclude": ["MISSING_USER_ROLLUPS", "MISSING_OUTCOME_RESULTS", "CONCLUDED_ENROLLMENTS",
                     "INACTIVE_ENROLLMENTS"]}
enum_words = st.one_of(st.sampled_from(sum(ENUMS.values(), []) + ["student", "asc", "mean", "", "null", "ASC "]),
                       st.text(max_size=12))


@FUZZ
@given(sort=enum_words, order=enum_words, stat=enum_words, exclude=st.lists(enum_words, max_size=5))
async def test_enum_values_are_validated(api, sort, order, stat, exclude):
    variables = {"sort": sort, "order": order, "stat": stat, "exclude": exclude}
    body = await post(api, ENUM_QUERY, {**variables, "sortOutcome": "201" if sort == "OUTCOME" else None})
    valid = all(variables[k] in ENUMS[k] for k in ("sort", "order", "stat")) and set(exclude) <= set(ENUMS["exclude"])
    if valid:
        assert "errors" not in body, body
    else:
        assert body.get("errors") and body.get("data") is None, body


@FUZZ
@given(word=st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True))
async def test_enum_literals_are_validated(api, word):
    body = await post(api, f"{{ course(id: 1) {{ outcomeRollups(sortBy: {word}) {{ totalCount }} }} }}")
    if word in ("STUDENT", "null"):
        assert "errors" not in body
    elif word == "OUTCOME":  # valid, but needs sortOutcomeId
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    else:
        assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


VARIABLE_QUERIES = [
    "query($id: ID!, $first: Int, $after: String, $hidden: Boolean, $ids: [ID!]) { course(id: $id) { "
    "outcomeResults(first: $first, after: $after, includeHidden: $hidden, userIds: $ids) { totalCount } } }",
    "query($ids: [ID!], $section: ID, $group: ID, $first: Int) { course(id: 1) { outcomeRollups(userIds: $ids, "
    "sectionId: $section, outcomeGroupId: $group, first: $first) { totalCount } } }",
    "query($outcome: ID!, $only: Boolean, $unpublished: Boolean) { course(id: 1) { contributingScores("
    "outcomeId: $outcome, onlyAssignmentAlignments: $only, showUnpublishedAssignments: $unpublished) "
    "{ scores { score } } } }",
    ENUM_QUERY,
]
NAMES = ["id", "first", "after", "hidden", "ids", "section", "group", "outcome", "only", "unpublished",
         "sort", "order", "exclude", "stat", "extra"]


@FUZZ
@given(query=st.sampled_from(VARIABLE_QUERIES), role=st.sampled_from(ROLES),
       variables=st.dictionaries(st.sampled_from(NAMES), json_values, max_size=6))
async def test_any_variables_get_a_clear_answer(api, query, role, variables):
    await post(api, query, variables, role)


OVER_COST = ("{ course(id: 1) { a: outcomeResults(first: 100) { edges { node { outcome { alignments { outcome { "
             "alignments { outcome { id } } } } } } } } b: outcomeResults(first: %d) { edges { node { id } } } } }")


@FUZZ
@given(first=st.integers(-(2**31), 2**31 - 1))
async def test_no_page_size_brings_an_expensive_query_under_the_cost_limit(api, first):
    """A negative `first` fails at execution; in validation it must not cancel out its siblings' cost."""
    body = await post(api, OVER_COST % first)
    assert body["errors"][0]["extensions"].get("limit") == "cost" and body.get("data") is None, body


request_fields = st.fixed_dictionaries({}, optional={
    "query": st.one_of(st.sampled_from(["{ __typename }", "query Q { __typename }", "{ course(id: 1) { name } }"]),
                       json_values),
    "variables": json_values, "operationName": st.one_of(st.just("Q"), json_values), "extensions": json_values})


@FUZZ
@given(body=st.one_of(request_fields, json_values.map(lambda v: v), st.binary(max_size=40)),
       content_type=st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain",
                                     "application/graphql-response+json"]),
       accept=st.sampled_from(["application/json", "application/graphql-response+json", "*/*"]))
async def test_any_request_body_gets_a_coded_json_answer(api, body, content_type, accept):
    """Whatever arrives, the answer is JSON with coded errors: 200 when executed, else a 4xx; never a 500."""
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    response = await api.client.post("/graphql", content=content, headers={
        "Content-Type": content_type, "Accept": accept, "Authorization": f"Bearer {api.tokens['teacher']}"})
    assert response.status_code in (200, 400, 405, 415), response.status_code
    answer = clear(response.json())
    assert answer.get("data") or answer.get("errors"), answer


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["query", "variables", "operationName", "extensions", "x"]),
                              st.one_of(st.text(max_size=30), json_values.map(lambda v: orjson.dumps(v).decode())),
                              max_size=4))
async def test_any_get_parameters_get_a_coded_json_answer(api, params):
    response = await api.client.get("/graphql", params=params, headers={"Accept": "application/json"})
    if "query" not in params and response.headers["content-type"].startswith("text/html"):
        return  # GraphiQL
    assert response.status_code in (200, 400, 405), response.status_code
    clear(response.json())


# ---------------------------------------------------------------- bundles

SMALL = {
    "format": "outcome-graph/course-bundle@1",
    "course": {"id": 7, "name": "Fuzz 7"},
    "sections": [{"id": 70, "name": "A"}],
    "users": [{"id": 700, "name": "Ada Lovelace", "sis_user_id": "F700"}, {"id": 701, "name": "Grace Hopper"}],
    "enrollments": [{"user_id": 700, "section_id": 70, "role": "student"},
                    {"user_id": 701, "section_id": 70, "role": "teacher"}],
    "outcome_groups": [{"id": 70, "title": "Root", "parent_id": None}],
    "outcomes": [{"id": 770, "title": "O", "group_id": 70, "points_possible": 5, "mastery_points": 3,
                  "ratings": [{"description": "Yes", "points": 5}, {"description": "No", "points": 0}],
                  "calculation_method": "n_mastery", "calculation_int": 2}],
    "assets": [{"id": 77, "type": "assignment", "name": "Test"}],
    "alignments": [{"id": 7700, "outcome_id": 770, "asset_id": 77}],
    "results": [{"id": 77000, "user_id": 700, "outcome_id": 770, "alignment_id": 7700, "score": 4, "possible": 5,
                 "submitted_at": "2024-01-02T03:04:05+00:00"}],
}
OTHER = {"format": "outcome-graph/course-bundle@1", "course": {"id": 8, "name": "Other 8"},
         "sections": [{"id": 80, "name": "B"}], "users": [{"id": 800, "name": "Other User", "sis_user_id": "G800"}],
         "enrollments": [{"user_id": 800, "section_id": 80, "role": "student"}]}
# Values that pass a quick look but may trip a database: NUL, 255/256 characters, other rows' ids and SIS ids
# (course 8 is stored beside course 7), extreme numbers and dates.
TEXT_KEYS = ["name", "title", "description", "sis_user_id", "login_id", "sis_course_id", "sortable_name",
             "display_name", "html_url", "vendor_guid", "type", "role", "state", "post_policy", "artifact_type",
             "calculation_method", "submitted_at", "assessed_at"]
ID_KEYS = ["id", "user_id", "section_id", "outcome_id", "asset_id", "alignment_id", "group_id", "parent_id",
           "associated_user_id"]
NUMBER_KEYS = ["score", "possible", "percent", "points_possible", "mastery_points", "calculation_int",
               "mastery_score", "points"]
tricky_text = st.one_of(st.sampled_from(["", " ", "\x00", "a\x00b", "x" * 255, "x" * 256, "é" * 255, "😀" * 255,
                                         "F700", "G800", "S0101", "student", "teacher", "observer", "deleted",
                                         "manual", "quiz", "latest", "n_mastery", "other",
                                         "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-14:00",
                                         "2024-02-30T00:00:00Z", "2024-01-02T03:04:05", "2024-01-02"]),
                        st.text(max_size=8))
tricky_ids = st.one_of(st.sampled_from([700, 701, 800, 70, 80, 77, 770, 7700, 77000, 7, 8, 0, -1, 2**63 - 1, 2**63]),
                       st.integers(-5, 10**6))
tricky_numbers = st.one_of(st.sampled_from([0, -1, 1e308, -1e308, 5e-324, 2**63, 10**400]),
                           st.floats(allow_nan=False, allow_infinity=False), st.integers(-100, 100))


@st.composite
def mutated_bundles(draw):
    """The small bundle with one to three fields set, deleted or given a wrong type, or list items dropped."""
    doc = copy.deepcopy(SMALL)
    for _ in range(draw(st.integers(1, 3))):
        section = draw(st.sampled_from([k for k in doc if k != "format"]))
        target = doc[section]
        if isinstance(target, list):
            if not target:
                continue
            if draw(st.integers(0, 5)) == 0:
                target.pop(draw(st.integers(0, len(target) - 1)))
                continue
            target = draw(st.sampled_from(target))
        kind = draw(st.sampled_from(["text", "id", "number", "any", "delete"]))
        if kind == "delete":
            if target:
                del target[draw(st.sampled_from(sorted(target)))]
            continue
        keys, values = {"text": (TEXT_KEYS, tricky_text), "id": (ID_KEYS, tricky_ids),
                        "number": (NUMBER_KEYS, tricky_numbers),
                        "any": (sorted(target) or ["id"], json_values)}[kind]
        target[draw(st.sampled_from(sorted(set(keys) & set(target)) or keys))] = draw(values)
    return doc


async def row_counts(engine) -> dict[str, int]:
    return {name: len(rows) for name, rows in (await snapshot(engine)).items()}


@FUZZ
@given(doc=mutated_bundles())
async def test_bundles_import_whole_or_raise_bundle_error_and_write_nothing(empty_api, doc):
    api = empty_api
    if "admin" not in api.tokens:
        api.tokens["admin"] = await create_token(api.engine, admin=True)
    await import_bundle(api.engine, copy.deepcopy(OTHER))  # stored rows the mutated bundle may clash with
    await import_bundle(api.engine, copy.deepcopy(SMALL))
    before = await snapshot(api.engine)
    try:
        await import_bundle(api.engine, doc)
    except BundleError as e:
        event(f"BundleError at {e.path.split('[')[0].split('.')[0]}")
    else:
        event("imported")  # imported: the course reads back with its name and every section of the bundle
        course = (await post(api, "query($id: ID!) { course(id: $id) { name sections { id } } }",
                             {"id": str(doc["course"]["id"])}, "admin"))["data"]["course"]
        assert course["name"] == doc["course"]["name"]
        assert {str(x["id"]) for x in doc.get("sections") or []} <= {x["id"] for x in course["sections"]}
        return
    assert await row_counts(api.engine) == {k: len(v) for k, v in before.items()}
    assert await snapshot(api.engine) == before


@pytest.mark.parametrize(("change", "path"), [
    (("course", "name", "Fuzz\x00"), "course.name"),
    (("results", 0, "title", "a\x00b"), "results[0].title"),  # the fast result loop
    (("users", 1, "login_id", "\x00"), "users[1].login_id"),
    (("users", 0, "sis_user_id", "G800"), "users[0].sis_user_id"),  # held by stored user 800
])
async def test_bundles_that_break_the_database_raise_bundle_error(empty_api, change, path):
    """NUL (PostgreSQL refuses it; refused on SQLite alike) and a stored user's SIS id (a UNIQUE column) are
    BundleErrors at their JSON path, and nothing is written, not driver errors."""
    await import_bundle(empty_api.engine, copy.deepcopy(OTHER))
    before = await snapshot(empty_api.engine)
    doc = copy.deepcopy(SMALL)
    *where, key, value = change
    target = doc
    for step in where:
        target = target[step]
    target[key] = value
    with pytest.raises(BundleError) as info:
        await import_bundle(empty_api.engine, doc)
    assert info.value.path == path
    assert await snapshot(empty_api.engine) == before


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59.999999+00:00"])
async def test_the_first_and_last_representable_times_import_and_read_back(empty_api, when):
    """A result of year 1 was imported, then its rollup failed to parse ('1-01-01 ...', glibc's %Y)."""
    api = empty_api
    api.tokens.setdefault("admin", await create_token(api.engine, admin=True))
    doc = copy.deepcopy(SMALL)
    doc["results"][0]["submitted_at"] = when
    await import_bundle(api.engine, doc)
    course = (await post(api, 'query { course(id: 7) { outcomeResults { edges { node { submittedOrAssessedAt } } } '
                              'outcomeRollups { edges { node { scores { submittedAt count } } } } } }',
                         role="admin"))["data"]["course"]
    [result] = course["outcomeResults"]["edges"]
    [rollup] = course["outcomeRollups"]["edges"]
    assert result["node"]["submittedOrAssessedAt"][:19] == when[:19]
    assert rollup["node"]["scores"] == [{"submittedAt": result["node"]["submittedOrAssessedAt"], "count": 1}]


async def test_a_sis_user_id_may_move_to_another_user_of_the_bundle(empty_api):
    """Re-importing with SIS ids swapped or handed on is no clash: the unique column never sees two holders."""
    doc = copy.deepcopy(SMALL)
    doc["users"][1]["sis_user_id"] = "F701"
    await import_bundle(empty_api.engine, copy.deepcopy(doc))

    async def sis() -> list[tuple]:
        async with empty_api.engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(
                select(models.User.id, models.User.sis_user_id).order_by(models.User.id))).all()]

    doc["users"][0]["sis_user_id"], doc["users"][1]["sis_user_id"] = "F701", "F700"  # swapped
    await import_bundle(empty_api.engine, copy.deepcopy(doc))
    assert await sis() == [(700, "F701"), (701, "F700")]
    doc["users"][1]["sis_user_id"] = None  # handed on to a user written before its holder
    doc["users"].insert(0, {"id": 702, "name": "New", "sis_user_id": "F700"})
    await import_bundle(empty_api.engine, copy.deepcopy(doc))
    assert await sis() == [(700, "F701"), (701, None), (702, "F700")]


# ---------------------------------------------------------------- mutations (when the schema has them)

MUTATION_TYPE = build_schema()._schema.mutation_type
needs_mutations = pytest.mark.skipif(MUTATION_TYPE is None, reason="the schema has no Mutation type yet")

RECORD = ("mutation($course: ID!, $results: [OutcomeResultInput!]!) { recordOutcomeResults(courseId: $course, "
          "results: $results) { id score possible hidden user { id } outcome { id } alignment { id } } }")
ENQUEUE = ("mutation($course: ID!, $user: ID) { enqueueOutcomeRollupCalculation(courseId: $course, userId: $user) "
           "{ id state } }")
ALIGNMENTS = {a["id"]: a["outcome_id"] for a in DEMO_DOC["alignments"]}
scores = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False), st.integers(-10, 10),
                   st.text(max_size=3))
dates = st.one_of(st.none(), st.sampled_from(["2024-01-02T03:04:05+00:00", "2024-01-02T03:04:05", "yesterday",
                                              "0001-01-01T00:00:00+00:00", "2024-13-01T00:00:00Z", ""]))
result_inputs = st.fixed_dictionaries(
    {"userId": id_values, "alignmentId": st.one_of(st.sampled_from(sorted(ALIGNMENTS)).map(str), id_values)},
    optional={"outcomeId": id_values, "score": scores, "possible": scores, "percent": scores,
              "submittedAt": dates, "assessedAt": dates, "hidden": st.one_of(st.booleans(), st.none()),
              "hidePoints": st.booleans(), "title": st.one_of(st.none(), st.text(max_size=300)),
              "bogus": json_scalars})


@needs_mutations
@FUZZ
@given(course=st.one_of(st.just("1"), id_values), results=st.lists(result_inputs, max_size=3),
       role=st.sampled_from(ROLES))
async def test_record_outcome_results_writes_all_or_nothing(api, course, results, role):
    before = await snapshot(api.engine)
    body = await post(api, RECORD, {"course": course, "results": results}, role)
    if body.get("errors"):
        assert (body.get("data") or {}).get("recordOutcomeResults") is None
        assert await snapshot(api.engine) == before, "a failed recordOutcomeResults wrote something"
        return
    written = body["data"]["recordOutcomeResults"]
    assert 0 < len(written) <= len(results) or not results
    users = sorted({w["user"]["id"] for w in written})
    stored = await post(api, "query($u: [ID!]) { course(id: 1) { outcomeResults(userIds: $u, first: 100, "
                             "includeHidden: true) { edges { node { id score } } } } }", {"u": users}, "admin")
    stored = {e["node"]["id"]: e["node"]["score"] for e in stored["data"]["course"]["outcomeResults"]["edges"]}
    assert {w["id"]: w["score"] for w in written}.items() <= stored.items()  # read back what was written


STUDENTS = sorted({e["user_id"] for e in DEMO_DOC["enrollments"] if e["role"] == "student"})
GOOD_IDS = {  # an argument or input field's name -> ids of the demo course it should name
    "courseId": st.just("1"), "userId": st.sampled_from(STUDENTS).map(str),
    "outcomeId": st.sampled_from(OUTCOME_IDS).map(str), "alignmentId": st.sampled_from(sorted(ALIGNMENTS)).map(str),
    "resultIds": st.sampled_from([r["id"] for r in DEMO_DOC["results"]]).map(str)}


GOOD_LEAVES = {"Int": st.integers(0, 10), "Float": st.integers(0, 10), "Boolean": st.booleans(),
               "String": st.sampled_from(["Meets", "0B874B", "A title"]),
               "DateTime": st.just("2024-01-02T03:04:05+00:00")}
BAD_LEAVES = {"ID": id_values, "Int": st.integers(-(2**33), 2**33), "Boolean": json_values, "String": tricky_text,
              "Float": st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**70), 2**70),
              "DateTime": dates}


@st.composite
def input_values(draw, type_, name: str = "", bad: bool = False):
    """A value of a GraphQL input type naming demo rows; with `bad`, exactly one leaf inside it is bad (any
    JSON, a malformed id, a huge number, NUL...), so every check past coercion and lookups is reached."""
    if isinstance(type_, GraphQLNonNull):
        return None if bad and draw(st.integers(0, 7)) == 0 else draw(input_values(type_.of_type, name, bad))
    if bad and draw(st.integers(0, 3)) == 0:
        return draw(json_values)
    if isinstance(type_, GraphQLList):
        items = draw(st.lists(input_values(type_.of_type, name), max_size=3))
        return items + [draw(input_values(type_.of_type, name, True))] if bad else items
    if isinstance(type_, GraphQLEnumType):
        return draw(st.text(max_size=6) if bad else st.sampled_from(sorted(type_.values)))
    if isinstance(type_, GraphQLInputObjectType):
        fields = {n: f for n, f in type_.fields.items() if is_non_null_type(f.type) or draw(st.integers(0, 3)) == 0}
        wrong = draw(st.sampled_from(sorted(fields))) if bad and fields else None
        return {n: draw(input_values(f.type, n, n == wrong)) for n, f in fields.items()}
    if bad:
        return draw(BAD_LEAVES.get(type_.name, json_values))
    if type_.name == "ID":
        return draw(GOOD_IDS.get(name, st.sampled_from(["1", "101", "201", "401"])))
    return draw(GOOD_LEAVES.get(type_.name, json_scalars))


@st.composite
def mutation_variables(draw, args: dict):
    """Every argument good, or all but one: one bad argument is enough to refuse a call."""
    wrong = draw(st.sampled_from([None, None, *args]))
    return {a: draw(input_values(t.type, a, a == wrong)) for a, t in args.items()}


def mutation_calls():
    """(field name, operation, variables strategy) for every Mutation field the schema has."""
    out = []
    for name, field in (MUTATION_TYPE.fields if MUTATION_TYPE else {}).items():
        args = field.args
        header = ", ".join(f"${a}: {t.type}" for a, t in args.items())
        call = ", ".join(f"{a}: ${a}" for a in args)
        selection = "" if is_leaf_type(get_named_type(field.type)) else " { __typename }"
        query = f"mutation{f'({header})' if header else ''} {{ {name}{f'({call})' if call else ''}{selection} }}"
        out.append((name, query, mutation_variables(args)))
    return out


@needs_mutations
@FUZZ
@given(call=st.sampled_from(mutation_calls() or [None]), role=st.sampled_from(["teacher", "admin"] * 2 + ROLES),
       data=st.data())
async def test_every_mutation_answers_clearly_and_a_failure_writes_nothing(api, call, role, data):
    name, query, variables = call
    variables = data.draw(variables, name)
    before = await snapshot(api.engine)
    body = await post(api, query, variables, role)
    event(f"{name}: {body['errors'][0]['message'][:60] if body.get('errors') else 'ok'}")
    if body.get("errors"):
        assert await snapshot(api.engine) == before, (name, variables, body)


@needs_mutations
async def test_mutations_without_a_token_are_refused(api):
    before = await snapshot(api.engine)
    body = await post(api, ENQUEUE, {"course": "1"}, None)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await snapshot(api.engine) == before


def test_the_canonical_forms():
    """The oracle itself: what counts as a valid id."""
    assert canonical_id(" 101 ") == 101 and canonical_id("١٠١") is None and canonical_id("9223372036854775808") is None
    assert canonical_user("sis_user_id:S0101", None) == 101 and canonical_user("self", 7) == 7
