"""Course 2 beside the demo course, sharing outcome 201 with it: for tests of what crosses courses."""

from __future__ import annotations

import orjson

from tests.api.course_builder import CourseBuilder
from tests.conftest import DEMO

B_STUDENT, B_TEACHER = 901, 902
B_GROUP = "Safety in the field"
B_ASSIGNMENT, B_DRAFT = "Field safety quiz", "Field safety draft"


async def load_second_course(api) -> CourseBuilder:
    """Course 2: student 901, teacher 902 (tokens b_student, b_teacher); outcome 201 linked in group
    B_GROUP and aligned with a published and an unpublished assignment of its own, with a result."""
    demo = orjson.loads(DEMO.read_bytes())
    b = CourseBuilder(course_id=2, name="Field Biology")
    b.section(20)
    b.student(B_STUDENT, "Bea Student")
    b.teacher(B_TEACHER, 20)
    group = b.group(B_GROUP)
    b.outcomes.append({**next(o for o in demo["outcomes"] if o["id"] == 201), "group_id": group})
    b.quiz = b.align(201, b.asset(name=B_ASSIGNMENT))
    b.draft = b.align(201, b.asset(name=B_DRAFT, published=False))
    b.result(B_STUDENT, b.quiz, 3.0)
    await b.load(api, b_student=B_STUDENT, b_teacher=B_TEACHER)
    return b
