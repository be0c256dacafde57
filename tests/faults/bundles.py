"""Bundles of the fault tests: the demo course, and a second course linking one of its outcomes."""

from __future__ import annotations

import copy

import orjson

from tests.conftest import DEMO

SHARED_OUTCOME = 201  # linked in the demo course (course 1) and in second_course()
RECORD = """mutation($c: ID!, $results: [OutcomeResultInput!]!) {
  recordOutcomeResults(courseId: $c, results: $results) { id score user { id } alignment { id } } }"""


def demo() -> dict:
    return orjson.loads(DEMO.read_bytes())


def second_course(course_id: int = 2, results: list[dict] | None = None, method: str | None = None) -> dict:
    """A course of the demo's students 102-104 with its own section, asset and alignment on outcome 201."""
    d = demo()
    shared = copy.deepcopy(next(o for o in d["outcomes"] if o["id"] == SHARED_OUTCOME))
    shared["group_id"] = None
    if method is not None:
        shared["calculation_method"], shared["calculation_int"] = method, None
    base = course_id * 10_000
    return {
        "format": d["format"],
        "course": {"id": course_id, "name": f"Course {course_id}", "sis_course_id": None},
        "sections": [{"id": base + 1, "name": "Only section"}],
        "users": [u for u in d["users"] if u["id"] in (1, 102, 103, 104)],
        "enrollments": [{"user_id": u, "section_id": base + 1, "role": "student"} for u in (102, 103, 104)]
        + [{"user_id": 1, "section_id": base + 1, "role": "teacher"}],
        "outcome_groups": [{"id": base + 2, "title": f"Course {course_id}", "parent_id": None}],
        "outcomes": [shared],
        "assets": [{"id": base + 3, "type": "assignment", "name": "Shared-outcome task"}],
        "alignments": [{"id": base + 4, "outcome_id": SHARED_OUTCOME, "asset_id": base + 3}],
        "results": results if results is not None else [
            {"id": base + 10 + u, "user_id": u, "outcome_id": SHARED_OUTCOME, "alignment_id": base + 4, "score": 2,
             "possible": 4, "assessed_at": "2026-10-01T10:00:00Z"} for u in (102, 103)],
    }


def free_pairs(doc: dict, outcome_id: int | None = None) -> list[tuple[int, int]]:
    """(student, alignment) pairs of the course with no result in the bundle (new rows when recorded)."""
    taken = {(r["user_id"], r["alignment_id"]) for r in doc["results"]}
    students = sorted({e["user_id"] for e in doc["enrollments"] if e["role"] == "student"
                       and e.get("state", "active") == "active"})
    aligns = [a["id"] for a in doc["alignments"] if outcome_id is None or a["outcome_id"] == outcome_id]
    return [(u, a) for u in students for a in aligns if (u, a) not in taken]
