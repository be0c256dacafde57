"""The roster a rollup page is cut from is kept per data version of the course (resolvers/roster.py): it must
follow every change of enrollments and names, whichever course's import makes it, and serve each viewer only
their own scope."""

from __future__ import annotations

from tests.api.course_builder import CourseBuilder

ROLLUPS = """query($course: ID!, $section: ID) { course(id: $course) {
  outcomeRollups(sortBy: STUDENT, sectionId: $section) { totalCount edges { node { user { id } } } } } }"""


def two_students(course_id: int = 1, *, adams: str = "Adams, Ann", extra: int | None = None) -> CourseBuilder:
    c = CourseBuilder(course_id=course_id, name=f"Course {course_id}", _next=course_id * 5000)
    s, t = c.section(course_id * 10), c.section(course_id * 10 + 1)
    c.teacher(1, s)
    c.student(31, adams, s)
    c.student(32, "Baker, Bo", t)
    if extra is not None:
        c.student(extra, "Carter, Cy", s)
    al = c.align(c.outcome(course_id * 100), c.asset())
    for uid in (31, 32, *([extra] if extra else [])):
        c.result(uid, al, 1.0)
    return c


async def order(api, course: int = 1, section: int | None = None, as_: str = "teacher") -> tuple[int, list[int]]:
    page = (await api.query(ROLLUPS, {"course": str(course), "section": section}, as_=as_))["course"]["outcomeRollups"]
    return page["totalCount"], [int(e["node"]["user"]["id"]) for e in page["edges"]]


async def test_a_student_renamed_by_another_courses_import_moves_in_this_courses_order(empty_api):
    await two_students(1).load(empty_api, teacher=1)
    assert await order(empty_api) == (2, [31, 32])
    # Course 2 renames student 31 (an import carries its users whole): course 1's page follows at once.
    await two_students(2, adams="Young, Ann").load(empty_api)
    assert await order(empty_api) == (2, [32, 31])


async def test_a_reimport_that_enrolls_a_student_shows_them_on_the_next_page(empty_api):
    await two_students(1).load(empty_api, teacher=1)
    assert await order(empty_api) == (2, [31, 32])
    await two_students(1, extra=33).load(empty_api)
    assert await order(empty_api) == (3, [31, 32, 33])
    await two_students(1).load(empty_api)  # and leaves again
    assert await order(empty_api) == (2, [31, 32])


async def test_each_section_and_each_viewer_scope_gets_its_own_selection(empty_api):
    c = two_students(1)
    c.user(2, "Section TA")
    c.enroll(2, 11, "ta", limit_to_section=True)
    await c.load(empty_api, teacher=1, ta=2)
    for _ in range(2):  # the second round reads what the first one kept
        assert await order(empty_api) == (2, [31, 32])
        assert await order(empty_api, section=10) == (1, [31])
        assert await order(empty_api, as_="ta") == (1, [32])
        assert await order(empty_api, section=11, as_="ta") == (1, [32])
