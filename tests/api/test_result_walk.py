"""Course.outcomeResults walks the students in name order on users.name_key (docs/performance.md, "Paging
results"): pages by cursor, both ways, equal slices of the whole order on ties of names; the stored key follows
imports that rename users; a cursor keeps its place when its student leaves the course or is renamed.
Expectations come from the bundle (tests/api/expected.py), never from the database.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outcome_graph.db import models as m
from outcome_graph.db.engine import unicode_lower
from outcome_graph.db.importer import import_bundle
from tests.api.course_builder import CourseBuilder
from tests.api.expected import Course

# Ties in every form: the same name, the same name in another case, names that differ after the tie.
NAMES = {31: "Lee, Ann", 32: "lee, ann", 33: "LEE, ANN", 34: "Lee, Ann", 35: "Ölz, Bo", 36: "Abe, Cy", 37: "Zed, Al",
         38: "Lee, Anna", 39: "Ng, Di"}
WALK = """query($section: ID, $first: Int, $after: String, $last: Int, $before: String) {
  course(id: 1) { outcomeResults(sectionId: $section, first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } } } }"""


def tied_course() -> CourseBuilder:
    c = CourseBuilder()
    a, b = c.section(10), c.section(11)
    c.teacher(1, a)
    for uid, name in NAMES.items():
        c.student(uid, name, a if uid % 2 else b, sortable_name=name)
    pairs = [c.align(c.outcome(oid), c.asset()) for oid in (60, 50)]
    for uid in NAMES:
        for n, alignment in enumerate(pairs):
            if (uid + n) % 4:  # some students lack an outcome
                c.result(uid, alignment, float(uid % 5), possible=5.0, hidden=uid == 37 and n == 0)
    return c


async def page(api, **variables) -> dict:
    return (await api.query(WALK, variables, as_="teacher"))["course"]["outcomeResults"]


async def walk(api, size: int, section: int | None = None) -> tuple[list[str], list[str]]:
    """(ids, cursors) forward by endCursor, checked against the same walk backward by startCursor."""
    ids, cursors, after = [], [], None
    while True:
        p = await page(api, section=section, first=size, after=after)
        ids += [e["node"]["id"] for e in p["edges"]]
        cursors += [e["cursor"] for e in p["edges"]]
        if not p["pageInfo"]["hasNextPage"]:
            break
        after = p["pageInfo"]["endCursor"]
    back, before = [], None
    while True:
        p = await page(api, section=section, last=size, before=before)
        back = [e["node"]["id"] for e in p["edges"]] + back
        if not p["pageInfo"]["hasPreviousPage"]:
            break
        before = p["pageInfo"]["startCursor"]
    assert back == ids
    return ids, cursors


@pytest.mark.parametrize("size", [1, 2, 3, 7])
async def test_cursor_pages_are_slices_of_the_whole_order_on_tied_names(empty_api, size):
    c = tied_course()
    await c.load(empty_api, teacher=1)
    expected = Course(c.doc())
    whole = [str(r["id"]) for r in expected.visible_results()]
    ids, cursors = await walk(empty_api, size)
    assert ids == whole
    for section in (10, 11):
        assert (await walk(empty_api, size, section))[0] == [
            str(r["id"]) for r in expected.visible_results(expected.students(section))]
    for i in (0, len(whole) // 2, len(whole) - 2):  # from any edge: the slice after it
        after = await page(empty_api, first=size, after=cursors[i])
        assert [e["node"]["id"] for e in after["edges"]] == whole[i + 1:i + 1 + size]
        assert after["totalCount"] == len(whole)


async def test_imports_keep_the_stored_name_key_and_cursors_keep_their_place(empty_api):
    """A re-import renames one student and removes another from the course: the stored key follows the new
    name, and a cursor on either student still pages on from that student's place in the order of now."""
    c = tied_course()
    await c.load(empty_api, teacher=1)
    _, cursors = await walk(empty_api, 100)
    cursor_of = dict(zip([r["user_id"] for r in Course(c.doc()).visible_results()], cursors))

    next(u for u in c.users if u["id"] == 39)["sortable_name"] = "Aaron, Di"  # from the end to the start
    next(e for e in c.enrollments if e["user_id"] == 38)["state"] = "deleted"
    await import_bundle(empty_api.engine, c.doc())
    async with empty_api.engine.connect() as conn:
        stored = (await conn.execute(select(m.User.sortable_name, m.User.name_key))).all()
    assert stored and all(key == unicode_lower(name) for name, key in stored)

    expected = Course(c.doc())
    now = expected.visible_results()
    assert [r["user_id"] for r in now][:2] == [39, 36]  # 39 has one result
    whole = [str(r["id"]) for r in now]
    assert (await walk(empty_api, 3))[0] == whole
    after_renamed = await page(empty_api, first=2, after=cursor_of[39])
    assert [e["node"]["id"] for e in after_renamed["edges"]] == whole[1:3]
    assert 38 not in {r["user_id"] for r in now}
    after_gone = await page(empty_api, first=2, after=cursor_of[38])
    later = [str(r["id"]) for r in now if (expected.name_key(r["user_id"]), r["user_id"]) > ("lee, anna", 38)]
    assert len(later) >= 2 and [e["node"]["id"] for e in after_gone["edges"]] == later[:2]
