"""The methods beyond Canvas through HTTP (docs/methods.md): set on the course and on an outcome with their
parameters, refused with BAD_USER_INPUT naming the argument, and every rollup equal to the engine's answer
computed from the bundle alone (tests/api/expected.py)."""

from __future__ import annotations

import copy

import orjson
import pytest

from tests.api.expected import Course, api_score, engine_score
from tests.conftest import DEMO

DOC = orjson.loads(DEMO.read_bytes())

METHOD = """mutation($m: CalculationMethod, $n: Int, $t: TieBreak, $e: Int) {
  setCourseCalculationMethod(courseId: "1", method: $m, calculationInt: $n, tieBreak: $t, minimumEvidence: $e) {
    calculationMethod { method calculationInt tieBreak minimumEvidence }
    outcomes(outcomeIds: ["201"]) { calculationMethod calculationInt tieBreak minimumEvidence } } }"""
UPDATE = """mutation($i: OutcomeUpdateInput!) { updateOutcome(courseId: "1", outcomeId: "201", input: $i) {
  calculationMethod calculationInt tieBreak minimumEvidence } }"""
ROLLUPS = """{ course(id: 1) { outcomeRollups(first: 100) { edges { node { user { id }
  scores { outcome { id } score count title submittedAt hidePoints } } } } } }"""


def codes(body: dict) -> list[tuple[str, str, str | None]]:
    return [(e["extensions"]["code"], e["message"], e["extensions"].get("argument")) for e in body["errors"]]


def expected_rollups(doc: dict) -> dict:
    c = Course(doc)
    return {(str(u), str(o)): engine_score(s) for (u, o), s in c.rollups().items()}


async def api_rollups(api) -> dict:
    edges = (await api.query(ROLLUPS, as_="teacher"))["course"]["outcomeRollups"]["edges"]
    return {(e["node"]["user"]["id"], s["outcome"]["id"]): api_score(s) for e in edges for s in e["node"]["scores"]}


@pytest.mark.parametrize(("method", "n", "tie", "least"), [
    ("POWER_LAW", None, None, None),
    ("MODE", None, "LOWER", None),
    ("MODE", None, "NONE", 2),
    ("RECENT_AVERAGE", 2, None, None),
    ("RECENT_MEDIAN", None, None, 3),
    ("HIGHEST_AVERAGE", 2, None, None),
])
async def test_course_method_rolls_up_every_outcome_as_the_engine_says(api, method, n, tie, least):
    data = await api.query(METHOD, {"m": method, "n": n, "t": tie, "e": least}, as_="teacher")
    stored_n = n if n is not None else (3 if method in ("RECENT_AVERAGE", "RECENT_MEDIAN", "HIGHEST_AVERAGE")
                                        else None)
    setting = {"calculationMethod": method, "calculationInt": stored_n,
               "tieBreak": tie or ("HIGHER" if method == "MODE" else None), "minimumEvidence": least}
    got = data["setCourseCalculationMethod"]
    assert got["outcomes"] == [setting]
    assert got["calculationMethod"] == {"method": method, **{k: v for k, v in setting.items()
                                                             if k != "calculationMethod"}}
    doc = copy.deepcopy(DOC)
    doc["course"]["calculation_method"] = {"method": method.lower(), "int": stored_n,
                                           "tie_break": setting["tieBreak"] and setting["tieBreak"].lower(),
                                           "minimum_evidence": least}
    expected = expected_rollups(doc)
    assert await api_rollups(api) == expected
    assert any(v[0] is not None for v in expected.values())


async def test_outcome_method_change_takes_the_defaults_and_keeps_the_minimum(api):
    data = await api.query(UPDATE, {"i": {"calculationMethod": "MODE", "minimumEvidence": 2}}, as_="teacher")
    assert data["updateOutcome"] == {"calculationMethod": "MODE", "calculationInt": None, "tieBreak": "HIGHER",
                                     "minimumEvidence": 2}
    data = await api.query(UPDATE, {"i": {"tieBreak": "MOST_RECENT"}}, as_="teacher")
    assert data["updateOutcome"]["tieBreak"] == "MOST_RECENT"
    data = await api.query(UPDATE, {"i": {"calculationMethod": "RECENT_MEDIAN"}}, as_="teacher")
    assert data["updateOutcome"] == {"calculationMethod": "RECENT_MEDIAN", "calculationInt": 3, "tieBreak": None,
                                     "minimumEvidence": 2}
    data = await api.query(UPDATE, {"i": {"minimumEvidence": 0}}, as_="teacher")
    assert data["updateOutcome"]["minimumEvidence"] is None
    doc = copy.deepcopy(DOC)
    outcome = next(o for o in doc["outcomes"] if o["id"] == 201)
    outcome.update(calculation_method="recent_median", calculation_int=3)
    assert await api_rollups(api) == expected_rollups(doc)


async def test_bad_parameters_are_bad_user_input_naming_the_argument(api):
    before = await api.query(METHOD.replace("setCourseCalculationMethod", "s: setCourseCalculationMethod"),
                             {"m": "LATEST"}, as_="teacher")
    for variables, message, argument in [
        ({"m": "LATEST", "t": "LOWER"}, "tieBreak: A tie break is not used with this calculation method", "tieBreak"),
        ({"m": "MODE", "n": 2}, "calculationInt: A calculation value is not used with this calculation method",
         "calculationInt"),
        ({"m": "RECENT_AVERAGE", "n": 21}, "calculationInt: '21' is not a valid value for this calculation method. "
                                           "The value must be between '1' and '20'", "calculationInt"),
        ({"m": "HIGHEST", "e": 101}, "minimumEvidence: '101' is not a valid minimum evidence count. It must be "
                                     "between '0' and '100'", "minimumEvidence"),
        ({"m": None, "e": 2}, "minimumEvidence: a calculation value needs a calculation method", "minimumEvidence"),
    ]:
        body = await api.query(METHOD, variables, as_="teacher", errors=True)
        assert codes(body) == [("BAD_USER_INPUT", message, argument)]
    for change, message, argument in [
        ({"tieBreak": "LOWER"}, "input.tieBreak: A tie break is not used with this calculation method",
         "input.tieBreak"),
        ({"minimumEvidence": -1}, "input.minimumEvidence: '-1' is not a valid minimum evidence count. It must be "
                                  "between '0' and '100'", "input.minimumEvidence"),
    ]:
        body = await api.query(UPDATE, {"i": change}, as_="teacher", errors=True)
        assert codes(body) == [("BAD_USER_INPUT", message, argument)]
    after = await api.query('{ course(id: 1) { calculationMethod { method } outcomes(outcomeIds: ["201"]) '
                            '{ tieBreak minimumEvidence } } }', as_="teacher")
    assert after["course"]["outcomes"] == [{"tieBreak": None, "minimumEvidence": None}]
    assert after["course"]["calculationMethod"] == {"method": before["s"]["calculationMethod"]["method"]}
