"""recordOutcomeResults refuses nonsense numbers and, recording a result again, keeps what the input leaves out;
assignOutcomeOrder refuses an ambiguous order. A refused write changes nothing (read back)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outcome_graph.db import models as m

RECORD = """mutation($results: [OutcomeResultInput!]!) { recordOutcomeResults(courseId: "1", results: $results) {
  id score possible percent hidden hidePoints submittedAt assessedAt title } }"""
RESULTS = """{ course(id: 1) { outcomeResults(userIds: ["130", "101"], includeHidden: true, first: 100) {
  totalCount edges { node { id score possible percent mastery hidden hidePoints submittedAt assessedAt title } } }
  outcomeRollups(userIds: ["130", "101"]) { edges { node { scores { outcome { id } score count } } } } } }"""
ORDER = 'mutation($o: [OutcomeOrderInput!]!) { assignOutcomeOrder(courseId: "1", order: $o) { id } }'
OUTCOMES = "{ course(id: 1) { outcomes { id } } }"
GOOD = {"userId": "130", "alignmentId": "401", "score": 3, "possible": 4}


def _error(body: dict) -> tuple[str, str]:
    [error] = body["errors"]
    return error["extensions"]["code"], error["extensions"].get("argument")


@pytest.mark.parametrize("bad, argument", [
    ({"score": -3}, "results[1].score"),
    ({"score": -0.01, "possible": 4}, "results[1].score"),
    ({"possible": 0}, "results[1].possible"),
    ({"possible": -4}, "results[1].possible"),
    ({"percent": -0.6}, "results[1].percent"),
])
async def test_nonsense_numbers_are_refused_and_nothing_is_written(api, bad, argument):
    before = await api.query(RESULTS, as_="teacher")
    body = await api.query(RECORD, {"results": [GOOD, {**GOOD, **bad}, GOOD]}, as_="teacher", errors=True)
    assert _error(body) == ("BAD_USER_INPUT", argument) and body["data"] is None
    assert argument in body["errors"][0]["message"]
    assert await api.query(RESULTS, as_="teacher") == before


async def test_recording_again_keeps_every_field_the_input_leaves_out(api):
    full = {**GOOD, "submittedAt": "2026-10-01T10:00:00Z", "assessedAt": "2026-10-02T11:00:00Z",
            "title": "Ethan Nguyen, Lab report", "hidden": True, "hidePoints": True, "posted": False}
    [first] = (await api.query(RECORD, {"results": [full]}, as_="teacher"))["recordOutcomeResults"]
    [again] = (await api.query(RECORD, {"results": [{"userId": "130", "alignmentId": "401", "score": 2}]},
                               as_="teacher"))["recordOutcomeResults"]
    assert again == {**first, "score": 2.0, "percent": 0.5}  # possible kept; percent follows the new score
    read = (await api.query(RESULTS, as_="teacher"))["course"]["outcomeResults"]["edges"]
    assert [e["node"] for e in read if e["node"]["id"] == first["id"]] == [
        {**again, "mastery": False}]
    async with api.engine.connect() as conn:
        posted = (await conn.execute(select(m.OutcomeResult.posted).where(m.OutcomeResult.id == int(first["id"])))
                  ).scalar_one()
    assert posted is False
    # what the input gives, it changes
    [changed] = (await api.query(RECORD, {"results": [{"userId": "130", "alignmentId": "401", "hidden": False,
                                                        "title": "Ethan Nguyen, Lab report v2"}]},
                                 as_="teacher"))["recordOutcomeResults"]
    assert changed == {**again, "hidden": False, "title": "Ethan Nguyen, Lab report v2"}


@pytest.mark.parametrize("order, argument", [
    ([("201", 0), ("202", 1), ("201", 2)], "order[2].outcomeId"),
    ([("201", 0), ("202", 0)], "order[1].position"),
    ([("201", -1)], "order[0].position"),
])
async def test_an_ambiguous_outcome_order_is_refused_and_nothing_is_saved(api, order, argument):
    saved = [{"outcomeId": "203", "position": 0}, {"outcomeId": "201", "position": 1}]
    await api.query(ORDER, {"o": saved}, as_="teacher")
    before = await api.query(OUTCOMES, as_="teacher")
    body = await api.query(ORDER, {"o": [{"outcomeId": o, "position": p} for o, p in order]}, as_="teacher",
                           errors=True)
    assert _error(body) == ("BAD_USER_INPUT", argument) and argument in body["errors"][0]["message"]
    assert await api.query(OUTCOMES, as_="teacher") == before
