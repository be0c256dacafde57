"""Relay paging on every connection: backward (`last`/`before`) is forward paging read from the other end
(a Hypothesis property over page sizes), `first: 0` and `last: 0`, and cursors that carry no student's name."""

from __future__ import annotations

import base64
import json
import os

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import DEMO

PAGED = settings(max_examples=int(os.environ.get("PAGING_EXAMPLES", "3")), deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ARGS = "first: $first, after: $after, last: $last, before: $before"
VARS = "$first: Int, $after: String, $last: Int, $before: String"
PAGE = "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { %s } }"
# Every connection, with selections small enough to page through one edge at a time.
CONNECTIONS = {
    "Course.outcomeResults": ('query(%s) { course(id: 1) { c: outcomeResults(userIds: ["101", "105"], '
                              "includeHidden: true, %s) { %s } } }", "id"),
    "Course.outcomeRollups": ('query(%s) { course(id: 1) { c: outcomeRollups(sectionId: "10", %s) { %s } } }',
                              "user { id }"),
    "Course.outcomeRollups STUDENT DESC": ('query(%s) { course(id: 1) { c: outcomeRollups(sectionId: "10", '
                                           "sortBy: STUDENT, sortOrder: DESC, %s) { %s } } }", "user { id }"),
    "Course.outcomeRollups OUTCOME": ('query(%s) { course(id: 1) { c: outcomeRollups(sectionId: "10", '
                                      'sortBy: OUTCOME, sortOutcomeId: "201", %s) { %s } } }',
                                      "user { id } scores { score }"),
    "User.outcomeResults": ('query(%s) { user(id: "101") { c: outcomeResults(courseId: "1", includeHidden: true, '
                            "%s) { %s } } }", "id"),
}


async def page(api, name: str, **variables) -> dict:
    template, node = CONNECTIONS[name]
    data = await api.query(template % (VARS, ARGS, PAGE % node), variables, as_="teacher")
    return next(iter(data.values()))["c"]


async def forward(api, name: str, size: int) -> list[dict]:
    edges, after = [], None
    while True:
        p = await page(api, name, first=size, after=after)
        edges += p["edges"]
        assert p["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not p["pageInfo"]["hasNextPage"]:
            return edges
        after = p["pageInfo"]["endCursor"]


async def backward(api, name: str, size: int) -> list[dict]:
    edges, before = [], None
    while True:
        p = await page(api, name, last=size, before=before)
        edges = p["edges"] + edges
        assert p["pageInfo"]["hasNextPage"] == (before is not None)
        if not p["pageInfo"]["hasPreviousPage"]:
            return edges
        before = p["pageInfo"]["startCursor"]


@pytest.mark.parametrize("name", CONNECTIONS)
@PAGED
@given(size=st.integers(2, 8), data=st.data())
async def test_backward_paging_is_forward_paging_reversed(api, name, size, data):
    ahead = await forward(api, name, size)
    assert len(ahead) == (await page(api, name, first=0))["totalCount"] > 1
    assert await backward(api, name, size) == ahead
    i = data.draw(st.integers(0, len(ahead) - 1))  # from any edge, either way
    before = await page(api, name, last=size, before=ahead[i]["cursor"])
    assert before["edges"] == ahead[max(0, i - size):i]
    assert before["pageInfo"]["hasPreviousPage"] == (i > size)
    after = await page(api, name, first=size, after=ahead[i]["cursor"])
    assert after["edges"] == ahead[i + 1:i + 1 + size]
    assert after["pageInfo"]["hasNextPage"] == (i + 1 + size < len(ahead))
    between = await page(api, name, first=size, after=ahead[0]["cursor"], before=ahead[i]["cursor"])
    assert between["edges"] == ahead[1:i][:size]


@pytest.mark.parametrize("name", CONNECTIONS)
async def test_empty_pages_say_whether_edges_exist(api, name):
    """`first: 0` (`last: 0`) is an empty page; hasNextPage (hasPreviousPage) says whether edges follow
    (precede) it, as Relay's algorithm does; no edge, no cursor."""
    for args, flag in (({"first": 0}, "hasNextPage"), ({"last": 0}, "hasPreviousPage")):
        p = await page(api, name, **args)
        assert p["edges"] == [] and p["totalCount"] > 0
        assert p["pageInfo"] == {"hasNextPage": flag == "hasNextPage", "hasPreviousPage": flag == "hasPreviousPage",
                                 "startCursor": None, "endCursor": None}
    everything = await forward(api, name, 100)
    past = await page(api, name, first=0, after=everything[-1]["cursor"])
    assert past["pageInfo"]["hasNextPage"] is False
    before_all = await page(api, name, last=0, before=everything[0]["cursor"])
    assert before_all["pageInfo"]["hasPreviousPage"] is False


@pytest.mark.parametrize("name", CONNECTIONS)
async def test_cursors_carry_ids_never_names(api, name):
    names = {u["sortable_name"].lower() for u in orjson.loads(DEMO.read_bytes())["users"]} | \
        {u["name"].lower() for u in orjson.loads(DEMO.read_bytes())["users"]}
    for edge in await forward(api, name, 100):
        text = edge["cursor"].split(".", 1)[1]
        kind, *keys = json.loads(base64.urlsafe_b64decode(text))
        assert all(type(k) in (int, float, bool) for k in keys), keys
        assert not any(n in edge["cursor"].lower() or n in json.dumps(keys).lower() for n in names)


async def test_old_and_foreign_cursors_are_bad_input_naming_the_argument(api):
    old = base64.urlsafe_b64encode(orjson.dumps(["rollup:outcome:desc", False, 3.65, "nguyen, ethan", 104])).decode()
    query = ('query($after: String, $before: String) { course(id: 1) { outcomeRollups(sortBy: OUTCOME, '
             'sortOutcomeId: "201", sortOrder: DESC, after: $after, before: $before) { totalCount } } }')
    for variables, argument in (({"after": old}, "after"), ({"before": old}, "before"),
                                ({"before": "og2.bm9wZQ=="}, "before")):
        body = await api.query(query, variables, as_="teacher", errors=True)
        assert [(e["extensions"]["code"], e["extensions"]["argument"]) for e in body["errors"]] == [
            ("BAD_USER_INPUT", argument)]
    body = await api.query("{ course(id: 1) { outcomeResults(first: 1, last: 1) { totalCount } } }", as_="teacher",
                           errors=True)
    assert [(e["extensions"]["code"], e["extensions"]["argument"]) for e in body["errors"]] == [
        ("BAD_USER_INPUT", "last")]
    body = await api.query("{ course(id: 1) { outcomeRollups(last: 101) { totalCount } } }", as_="teacher",
                           errors=True)
    assert [(e["extensions"]["code"], e["extensions"]["argument"]) for e in body["errors"]] == [
        ("BAD_USER_INPUT", "last")]
