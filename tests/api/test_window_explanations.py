"""Explanations of rollups as of a date and within a window (docs/windows.md, docs/methods.md §6), over HTTP on
both databases: over a term's history each explanation gives its windowed score, recomputes it from its own
inputs, lists the results outside the filter as OUTSIDE_WINDOW; its statements do not grow with the students;
a student sees no hidden or unposted result in it."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from tests.api.expected import Course, as_of, window
from tests.api.test_windows import START, STUDENTS, TERM, iso, term_course
from tests.unit.test_explanation import recompute

EXPLAINED = """query($asOf: DateTime, $window: RollupWindow, $u: [ID!], $first: Int) { course(id: 1) {
  outcomeRollups(asOf: $asOf, window: $window, userIds: $u, first: $first) { edges { node { user { id }
    scores { score outcome { id } explanation { method score valueBeforeRounding nullReason
      parameters { calculationInt tieBreak masteryPoints scaleLow scaleHigh }
      inputs { resultId orderedAt score counted excludedBecause weight ordinal level } } } } } } } }"""
LIGHT = """query($asOf: DateTime, $first: Int) { course(id: 1) { outcomeRollups(asOf: $asOf, first: $first) {
  edges { node { scores { explanation { score inputs { resultId counted } } } } } } } }"""
USER_EXPLAINED = """query($window: RollupWindow) { user(id: "101") {
  outcomeRollups(courseId: "1", window: $window) { scores { score outcome { id } explanation { score } } } } }"""


@pytest.fixture
async def term(empty_api):
    """The windows' term, the student token going to a student with hidden and unposted results."""
    c = term_course()
    course = Course(c.doc())
    student = next(u for u in STUDENTS if any(r.get("hidden") for r in course.visible_results([u], include_hidden=True))
                   and any(course.muted(r) for r in course.visible_results([u])))
    await c.load(empty_api, teacher=1, ta=2, student=student)
    return empty_api, course, student


def filters() -> list[tuple[dict, object]]:
    """A term's history: (the arguments, the test's own filter) for several dates and windows."""
    dates = [START + timedelta(days=d) for d in (-1, 20, 45, 70, 95, TERM + 10)]
    edges = [START + timedelta(days=d) for d in (0, 40, 80, TERM)]
    return ([({"asOf": iso(d)}, as_of(d)) for d in dates]
            + [({"window": {"from": iso(a), "to": iso(b)}}, window(a, b)) for a, b in zip(edges, edges[1:])])


def explained(data: dict) -> dict[tuple[int, int], tuple]:
    return {(int(e["node"]["user"]["id"]), int(s["outcome"]["id"])): (s["score"], s["explanation"])
            for e in data["course"]["outcomeRollups"]["edges"] for s in e["node"]["scores"]}


def recomputed(e: dict) -> float | None:
    """The score from the explanation's own method, parameters and inputs (the unit tests' recomputation)."""
    p = e["parameters"]
    return recompute(SimpleNamespace(
        method=e["method"].lower(), null_reason=e["nullReason"], value_before_rounding=e["valueBeforeRounding"],
        parameters={"calculation_int": p["calculationInt"], "tie_break": (p["tieBreak"] or "").lower() or None,
                    "mastery_points": p["masteryPoints"], "low": p["scaleLow"], "high": p["scaleHigh"]},
        inputs=[SimpleNamespace(**{k: i[k] for k in ("counted", "score", "ordinal", "level")}) for i in e["inputs"]]))


def in_filter(c: Course, user: int, outcome: int, keeps, grader: bool = True) -> set[str]:
    """Ids of the results the viewer may see that the filter keeps (hidden ones never count)."""
    return {str(r["id"]) for r in c.visible_results([user], [outcome], grader=grader) if keeps(c.engine_row(r)[4])}


async def test_each_explanation_over_a_term_gives_its_windowed_score(term):
    api, c, _ = term
    hidden = {str(r["id"]) for r in c.results if r.get("hidden")}
    left_out = 0
    for arguments, keeps in filters():
        found = {}
        for uid in STUDENTS:
            variables = {**arguments, "u": [str(uid)], "first": 1}
            found.update(explained(await api.query(EXPLAINED, variables, as_="teacher")))
        want = c.rollups(None, when=keeps)
        assert {k: score for k, (score, _) in found.items()} == {k: s.score for k, s in want.items()}, arguments
        for (user, outcome), (score, e) in found.items():
            assert e["score"] == score and recomputed(e) == score, (arguments, user, outcome)
            inside = {i["resultId"] for i in e["inputs"] if i["excludedBecause"] not in ("OUTSIDE_WINDOW", "HIDDEN")}
            assert inside == in_filter(c, user, outcome, keeps), (arguments, user, outcome)
            assert {i["resultId"] for i in e["inputs"] if i["excludedBecause"] == "HIDDEN"} == \
                {i["resultId"] for i in e["inputs"]} & hidden
            outside = [i for i in e["inputs"] if i["excludedBecause"] == "OUTSIDE_WINDOW"]
            assert not any(i["counted"] or i["weight"] for i in outside)
            assert not any(keeps(int(datetime.fromisoformat(i["orderedAt"]).timestamp()) if i["orderedAt"] else 0)
                           for i in outside)
            left_out += len(outside)
    assert left_out and hidden


async def test_without_a_filter_nothing_is_outside_and_late_as_of_explains_the_current_score(term):
    api, _, _ = term
    late = {"asOf": iso(START + timedelta(days=TERM + 30))}
    for uid in STUDENTS[:2]:
        current = explained(await api.query(EXPLAINED, {"u": [str(uid)], "first": 1}, as_="teacher"))
        variables = {**late, "u": [str(uid)], "first": 1}
        assert current == explained(await api.query(EXPLAINED, variables, as_="teacher"))
        assert all(i["excludedBecause"] != "OUTSIDE_WINDOW" for _, e in current.values() for i in e["inputs"])


async def test_windowed_explanations_cost_the_same_statements_for_one_student_or_many(term):
    api, _, _ = term
    moment = iso(START + timedelta(days=50))
    await api.statements(LIGHT, {"asOf": moment, "first": 1})  # warm-up
    one = await api.statements(LIGHT, {"asOf": moment, "first": 1})
    assert await api.statements(LIGHT, {"asOf": moment, "first": len(STUDENTS)}) == one


async def test_a_student_sees_no_hidden_or_unposted_result_in_a_windowed_explanation(term):
    api, c, student = term
    hidden = {str(r["id"]) for r in c.results if r.get("hidden")}
    unposted = {str(r["id"]) for r in c.results if c.muted(r)}
    for arguments, keeps in filters():
        mine = explained(await api.query(EXPLAINED, {**arguments, "u": ["self"], "first": 1}, as_="student"))
        assert {k: s for k, (s, _) in mine.items()} == \
            {k: s.score for k, s in c.rollups([student], grader=False, when=keeps).items()}, arguments
        for (user, outcome), (score, e) in mine.items():
            shown = {i["resultId"] for i in e["inputs"]}
            assert not shown & (hidden | unposted)
            assert shown == in_filter(c, user, outcome, lambda t: True, grader=False)
            assert e["score"] == score and recomputed(e) == score


async def test_a_users_rollups_explain_their_window_too(term):
    api, c, _ = term
    a, b = START + timedelta(days=30), START + timedelta(days=75)
    got = (await api.query(USER_EXPLAINED, {"window": {"from": iso(a), "to": iso(b)}}, as_="teacher"))
    scores = got["user"]["outcomeRollups"]["scores"]
    assert {int(s["outcome"]["id"]): s["explanation"]["score"] for s in scores} == \
        {o: s.score for (_, o), s in c.rollups([101], when=window(a, b)).items()}
    assert all(s["explanation"]["score"] == s["score"] for s in scores)
