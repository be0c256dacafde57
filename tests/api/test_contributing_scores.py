"""Course.contributingScores against docs/behaviour.md §5.1: alignments (direct D_, quiz I_, de-duplicated), raw
scores of the selected students, the two filters, and Canvas's errors. Expectations come from the bundle JSON.
"""

from __future__ import annotations

from datetime import datetime

import orjson

from tests.api.course_builder import CourseBuilder
from tests.api.expected import Course
from tests.conftest import DEMO

DEMO_COURSE = Course(orjson.loads(DEMO.read_bytes()))
TYPES = {"assignment": "Assignment", "quiz": "Quizzes::Quiz", "rubric": "Rubric", "discussion": "DiscussionTopic",
         "question_bank": "AssessmentQuestionBank"}

QUERY = """query($outcome: ID!, $userIds: [ID!], $only: Boolean, $unpublished: Boolean) { course(id: 1) {
  contributingScores(outcomeId: $outcome, userIds: $userIds, onlyAssignmentAlignments: $only,
                     showUnpublishedAssignments: $unpublished) {
    outcome { id }
    alignments { alignmentId associatedAssetId associatedAssetName associatedAssetType htmlUrl published }
    scores { userId alignmentId score submittedOrAssessedAt } } } }"""


def expected(c: Course, outcome: int, users: list[int] | None = None, only: bool = False,
             unpublished: bool = False) -> dict:
    alignments, labels = [], {}
    for al in sorted((a for a in c.doc["alignments"] if a["outcome_id"] == outcome), key=lambda a: a["id"]):
        asset = c.assets[al["asset_id"]]
        if (only and asset["type"] not in ("assignment", "quiz")) or (not unpublished and not asset["published"]):
            continue
        label = f"I_{asset['id']}" if asset["type"] == "quiz" else f"D_{al['id']}"
        if label not in labels.values():
            alignments.append({"alignmentId": label, "associatedAssetId": str(asset["id"]),
                               "associatedAssetName": asset["name"], "associatedAssetType": TYPES[asset["type"]],
                               "htmlUrl": asset["html_url"], "published": asset["published"]})
        labels[al["id"]] = label
    results = [r for r in c.visible_results(users, [outcome]) if r["alignment_id"] in labels]
    results.sort(key=lambda r: (r["user_id"], r["alignment_id"], r["id"]))
    return {"outcome": {"id": str(outcome)}, "alignments": alignments,
            "scores": [{"userId": str(r["user_id"]), "alignmentId": labels[r["alignment_id"]], "score": r["score"],
                        "submittedOrAssessedAt": datetime.fromisoformat(r["submitted_at"] or r["assessed_at"])}
                       for r in results]}


async def contributing(api, **variables) -> dict:
    data = (await api.query(QUERY, variables, as_="teacher"))["course"]["contributingScores"]
    for s in data["scores"]:
        s["submittedOrAssessedAt"] = datetime.fromisoformat(s["submittedOrAssessedAt"])
    return data


async def test_every_outcome_of_the_demo_course_with_each_filter(api):
    for outcome in DEMO_COURSE.outcome_ids():
        for only in (False, True):
            for unpublished in (False, True):
                got = await contributing(api, outcome=str(outcome), only=only, unpublished=unpublished)
                assert got == expected(DEMO_COURSE, outcome, only=only, unpublished=unpublished), \
                    (outcome, only, unpublished)
    # 207 is aligned with the unpublished asset 308; 204 with quiz 309 and rubric-free assignments
    hidden = await contributing(api, outcome="207")
    shown = await contributing(api, outcome="207", unpublished=True)
    assert "D_418" not in {a["alignmentId"] for a in hidden["alignments"]}
    assert "D_418" in {a["alignmentId"] for a in shown["alignments"]}


async def test_user_ids_select_students_at_sizes_0_1_and_10(api):
    for users in ([], [107], list(range(101, 111))):
        got = await contributing(api, outcome="204", userIds=[str(u) for u in users])
        assert got == expected(DEMO_COURSE, 204, users), users
        assert {s["userId"] for s in got["scores"]} <= {str(u) for u in users}


async def test_a_quiz_aligned_through_two_banks_is_listed_once(empty_api):
    c = CourseBuilder()
    c.section(10)
    c.teacher(1)
    c.student(21, "A, A")
    c.student(22, "B, B")
    o = c.outcome(50)
    quiz = c.asset(type="quiz")
    banks = [c.align(o, quiz), c.align(o, quiz)]
    bank = c.align(o, c.asset(type="question_bank"))
    for uid in (21, 22):
        for k, aid in enumerate(banks + [bank]):
            c.result(uid, aid, float(k), possible=2.0, assessed=1_780_000_000 + k)
    await c.load(empty_api, teacher=1)
    got = await contributing(empty_api, outcome="50")
    assert got == expected(Course(c.doc()), 50)
    assert [a["alignmentId"] for a in got["alignments"]] == [f"I_{quiz}", f"D_{bank}"]
    assert [s["alignmentId"] for s in got["scores"]] == [f"I_{quiz}", f"I_{quiz}", f"D_{bank}"] * 2


async def test_errors(api):
    cases = [({"outcome": "999"}, "outcomeId: outcome 999 is not linked in this course", "NOT_FOUND"),
             ({"outcome": "204", "userIds": ["2"]}, "userIds: 2 is not a student of this course", "NOT_FOUND"),
             ({"outcome": "abc"}, "outcomeId: 'abc' is not an id (a positive integer)", "BAD_USER_INPUT")]
    for variables, message, code in cases:
        body = (await api.raw(QUERY, variables, token=api.tokens["teacher"])).json()
        assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [(message, code)], variables
        assert body["data"] == {"course": {"contributingScores": None}}
