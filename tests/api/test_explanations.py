"""RollupScore.explanation through HTTP (docs/methods.md §6): it gives every rollup's own score, graders see
hidden results as candidates that did not count, students and observers only what they may see; its reads do
not grow with the scores explained, and its lists count against the request's cost limit."""

from __future__ import annotations

import orjson
import pytest

from tests.api.expected import Course
from tests.conftest import DEMO, OBSERVED_STUDENT, STUDENT

DEMO_COURSE = Course(orjson.loads(DEMO.read_bytes()))

EXPLAINED = """query($u: [ID!], $o: [ID!], $first: Int) { course(id: 1) {
  outcomeRollups(userIds: $u, outcomeIds: $o, first: $first) { edges { node { user { id }
    scores { score outcome { id } explanation { method score valueBeforeRounding rounding nullReason
      parameters { calculationInt scaleFactor }
      inputs { resultId orderedAt rawScore score counted excludedBecause weight }
      steps { name value formula } } } } } } } }"""
LIGHT = """query($first: Int) { course(id: 1) { outcomeRollups(first: $first) { edges { node {
  scores { explanation { score inputs { resultId counted } steps { value } } } } } } } }"""
RESULTS = """query($u: [ID!], $h: Boolean) { course(id: 1) {
  outcomeResults(userIds: $u, includeHidden: $h, first: 100) {
  edges { node { id hidden outcome { id } } } } } }"""


def explanations(data: dict) -> dict[tuple[str, str], dict]:
    return {(e["node"]["user"]["id"], s["outcome"]["id"]): (s["score"], s["explanation"])
            for e in data["course"]["outcomeRollups"]["edges"] for s in e["node"]["scores"]}


async def explain_all(api, as_: str = "teacher") -> dict:
    """Every student's explanations, a student a request (a page of them all is over the cost limit)."""
    found = {}
    for uid in DEMO_COURSE.students():
        found.update(explanations(await api.query(EXPLAINED, {"u": [str(uid)], "first": 1}, as_=as_)))
    return found


async def test_every_rollup_explains_its_own_score(api):
    found = await explain_all(api)
    assert len(found) == len(DEMO_COURSE.rollups())
    for (user, outcome), (score, e) in found.items():
        assert e["score"] == score, (user, outcome)
        assert e["rounding"].startswith("half away from zero")
        counted = [i for i in e["inputs"] if i["counted"]]
        assert all(i["excludedBecause"] is None for i in counted)
        if e["method"] in ("DECAYING_AVERAGE", "WEIGHTED_AVERAGE", "STANDARD_DECAYING_AVERAGE", "AVERAGE") and counted:
            assert abs(sum(i["weight"] for i in counted) - 1.0) < 1e-9
            assert abs(sum(i["weight"] * i["score"] for i in counted) - e["valueBeforeRounding"]) < 1e-9
        times = [i["orderedAt"] or "" for i in e["inputs"]]
        assert times == sorted(times)  # the order used: time first


async def test_graders_see_hidden_results_as_not_counted_and_students_do_not_see_them(api):
    teacher = (await api.query(RESULTS, {"h": True}, as_="teacher"))["course"]["outcomeResults"]["edges"]
    hidden = {(n["node"]["outcome"]["id"], n["node"]["id"]) for n in teacher if n["node"]["hidden"]}
    found = await explain_all(api)
    listed = {(o, i["resultId"]): i for (_, o), (_, e) in found.items() for i in e["inputs"]}
    assert hidden and hidden <= set(listed)
    assert all(listed[k]["excludedBecause"] == "HIDDEN" and not listed[k]["counted"] for k in hidden)
    for who, uid in (("student", STUDENT), ("observer", OBSERVED_STUDENT)):
        own = (await api.query(RESULTS, {"u": [str(uid)]}, as_=who))["course"]["outcomeResults"]["edges"]
        visible = {(n["node"]["outcome"]["id"], n["node"]["id"]) for n in own}
        mine = explanations(await api.query(EXPLAINED, {"u": [str(uid)], "first": 1}, as_=who))
        shown = {(o, i["resultId"]) for (_, o), (_, e) in mine.items() for i in e["inputs"]}
        assert shown == visible, who
        assert all(e["score"] == score for score, e in mine.values())
        assert all(i["excludedBecause"] != "HIDDEN" for _, e in mine.values() for i in e["inputs"])


async def test_explanations_cost_the_same_statements_for_one_student_or_many(api):
    await api.statements(LIGHT, {"first": 1}, as_="teacher")  # warm-up
    one = await api.statements(LIGHT, {"first": 1}, as_="teacher")
    many = await api.statements(LIGHT, {"first": 5}, as_="teacher")
    assert one == many


async def test_explanations_count_against_the_cost_limit(api):
    body = await api.query(EXPLAINED, {"first": 100}, as_="teacher", errors=True)
    assert [e["extensions"]["limit"] for e in body["errors"]] == ["cost"]
    one = await api.query(EXPLAINED, {"u": [str(STUDENT)], "o": ["203"], "first": 1}, as_="teacher")
    (score, e), = explanations(one).values()
    assert e["method"] == "STANDARD_DECAYING_AVERAGE" and e["score"] == score
    assert [s["name"] for s in e["steps"]] == [f"d{k}" for k in range(2, len(e["steps"]) + 2)]


SET_METHOD = """mutation($m: CalculationMethod, $t: TieBreak, $e: Int) {
  setCourseCalculationMethod(courseId: "1", method: $m, tieBreak: $t, minimumEvidence: $e) { id } }"""


@pytest.mark.parametrize(("method", "tie", "least"), [
    ("POWER_LAW", None, None), ("MODE", "NONE", None), ("RECENT_MEDIAN", None, 3), ("HIGHEST_AVERAGE", None, None),
])
async def test_new_methods_explain_their_scores(api, method, tie, least):
    await api.query(SET_METHOD, {"m": method, "t": tie, "e": least}, as_="teacher")
    found = await explain_all(api)
    assert found and all(e["method"] == method and e["score"] == score for score, e in found.values())
    reasons = {e["nullReason"] for score, e in found.values() if score is None}
    assert reasons <= {"TIE", "INSUFFICIENT_EVIDENCE"}
    if least:
        assert all(e["nullReason"] == "INSUFFICIENT_EVIDENCE"
                   for _, e in found.values() if len([i for i in e["inputs"] if i["rawScore"] is not None
                                                      and i["excludedBecause"] != "HIDDEN"]) < least)
