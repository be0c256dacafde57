"""Mutations through HTTP on both databases: who may call them, what they refuse, what they write.

Every ok case reads back what it wrote through the API (and the stored rollups through the engine).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from outcome_graph.db import models as m
from outcome_graph.db.models import SERVICE_ID_BASE

RECORD = """mutation($results: [OutcomeResultInput!]!) { recordOutcomeResults(courseId: "1", results: $results) {
  id score possible percent mastery hidden hidePoints submittedOrAssessedAt user { id } outcome { id }
  alignment { id } } }"""
RESULTS = """query($u: [ID!]) { course(id: 1) { outcomeResults(userIds: $u, includeHidden: true, first: 50) {
  totalCount edges { node { id score percent hidden submittedOrAssessedAt outcome { id } } } } } }"""
ROLLUPS = """query($u: [ID!]) { course(id: 1) { outcomeRollups(userIds: $u) { edges { node { user { id }
  scores { outcome { id } score count } } } } } }"""
OUTCOMES = "{ course(id: 1) { outcomes { id } } }"

# Each mutation with valid arguments, for the access checks.
CALLS = {
    "recordOutcomeResults": 'recordOutcomeResults(courseId: "1", results: [{userId: "130", alignmentId: "401", '
                            'score: 3, possible: 4}]) { id }',
    "setOutcomeResultsHidden": 'setOutcomeResultsHidden(courseId: "1", resultIds: ["1001"], hidden: true) { id }',
    "deleteOutcomeResults": 'deleteOutcomeResults(courseId: "1", resultIds: ["1001"])',
    "assignOutcomeOrder": 'assignOutcomeOrder(courseId: "1", order: [{outcomeId: "202", position: 0}]) { id }',
    "enqueueOutcomeRollupCalculation": 'enqueueOutcomeRollupCalculation(courseId: "1", userId: "101") { id }',
    "updateOutcome": 'updateOutcome(courseId: "1", outcomeId: "201", input: {title: "T"}) { id }',
    "setCourseMasteryScale": 'setCourseMasteryScale(courseId: "1", ratings: null) { id }',
    "setCourseCalculationMethod": 'setCourseCalculationMethod(courseId: "1", method: null) { id }',
}


def codes(body: dict) -> list[tuple[str, str]]:
    return [(e["extensions"]["code"], e["message"]) for e in body["errors"]]


async def stored_rollups(api, user_id: int) -> dict[int, tuple]:
    async with api.engine.connect() as conn:
        rows = await conn.execute(select(m.Rollup.outcome_id, m.Rollup.score, m.Rollup.count, m.Rollup.version)
                                  .where(m.Rollup.course_id == 1, m.Rollup.user_id == user_id))
        return {r.outcome_id: (r.score, r.count, r.version) for r in rows}


async def versions(api) -> tuple[int, int]:
    async with api.engine.connect() as conn:
        row = (await conn.execute(select(m.Course.scoring_version, m.Course.data_version)
                                  .where(m.Course.id == 1))).one()
    return row.scoring_version, row.data_version


async def result_count(api) -> int:
    async with api.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(m.OutcomeResult))).scalar_one()


async def jobs_of(api) -> list:
    async with api.engine.connect() as conn:
        return (await conn.execute(select(m.RollupJob.id, m.RollupJob.course_id, m.RollupJob.user_id,
                                          m.RollupJob.state).order_by(m.RollupJob.id))).all()


# -- access -------------------------------------------------------------------------------------


async def test_every_mutation_needs_a_grader_token(api):
    for name, call in CALLS.items():
        body = await api.query(f"mutation {{ {call} }}", errors=True)
        assert codes(body)[0][0] == "UNAUTHENTICATED", name
        assert body["data"] is None
    for role in ("student", "observer", "designer"):
        for name, call in CALLS.items():
            body = await api.query(f"mutation {{ {call} }}", as_=role, errors=True)
            assert codes(body) == [("FORBIDDEN", "insufficient permissions")], (role, name)
    assert await result_count(api) == 443 and not await jobs_of(api)


async def test_a_section_limited_ta_writes_only_for_their_sections(api):
    ok = [{"userId": "111", "alignmentId": "401", "score": 1, "possible": 4}]  # student of section 11
    assert len((await api.query(RECORD, {"results": ok}, as_="ta"))["recordOutcomeResults"]) == 1
    other = [{"userId": "101", "alignmentId": "401", "score": 1, "possible": 4}]  # section 10
    body = await api.query(RECORD, {"results": other}, as_="ta", errors=True)
    assert codes(body) == [("FORBIDDEN", "results[0].userId: user 101 is not in your sections")]
    body = await api.query('mutation { deleteOutcomeResults(courseId: "1", resultIds: ["1001"]) }', as_="ta",
                           errors=True)
    assert codes(body) == [("FORBIDDEN", "resultIds[0]: result 1001 belongs to a student outside your sections")]


# -- recordOutcomeResults -----------------------------------------------------------------------


async def test_record_new_results_and_read_them_back_with_rollups(api):
    before = await versions(api)
    data = await api.query(RECORD, {"results": [
        {"userId": "130", "alignmentId": "401", "outcomeId": "201", "score": 3, "possible": 4,
         "submittedAt": "2026-10-01T10:00:00-05:00", "title": "Ada, Lab Safety Walkthrough"},
        {"userId": "sis_user_id:" + await _sis(api, 130), "alignmentId": "403", "score": 2, "possible": 4,
         "assessedAt": "2026-10-02T10:00:30Z"},
        {"userId": "130", "alignmentId": "415", "score": 1, "possible": 3, "hidePoints": True},
    ]}, as_="teacher")
    rows = data["recordOutcomeResults"]
    ids = [int(r["id"]) for r in rows]
    assert len(set(ids)) == 3 and min(ids) >= SERVICE_ID_BASE  # from the database's counter, above source ids
    assert rows[0] == {"id": str(ids[0]), "score": 3.0, "possible": 4.0, "percent": 0.75, "mastery": True,
                       "hidden": False, "hidePoints": False, "submittedOrAssessedAt": "2026-10-01T15:00:00+00:00",
                       "user": {"id": "130"}, "outcome": {"id": "201"}, "alignment": {"id": "401"}}
    assert rows[1]["percent"] == 0.5 and rows[1]["mastery"] is False
    assert rows[2]["hidePoints"] is True and rows[2]["outcome"] == {"id": "206"}

    read = await api.query(RESULTS, {"u": ["130"]}, as_="teacher")
    assert read["course"]["outcomeResults"]["totalCount"] == 3
    assert sorted(int(e["node"]["id"]) for e in read["course"]["outcomeResults"]["edges"]) == sorted(ids)
    # decaying_average 65: latest (2/4 x 4 = 2, assessed later) x .65 + 3 x .35 = 2.35
    rollup = (await api.query(ROLLUPS, {"u": ["130"]}, as_="teacher"))["course"]["outcomeRollups"]["edges"][0]
    assert {s["outcome"]["id"]: (s["score"], s["count"]) for s in rollup["node"]["scores"]} == {
        "201": (2.35, 2), "206": (1.0, 1)}
    scoring, data_version = await versions(api)
    assert (scoring, data_version) == (before[0], before[1] + 1)
    assert await stored_rollups(api, 130) == {201: (2.35, 2, scoring), 206: (1.0, 1, scoring)}


async def _sis(api, user_id: int) -> str:
    async with api.engine.connect() as conn:
        return (await conn.execute(select(m.User.sis_user_id).where(m.User.id == user_id))).scalar_one()


async def test_recording_again_updates_the_stored_result_in_place(api):
    old = await stored_rollups(api, 101)
    data = await api.query(RECORD, {"results": [
        {"userId": "101", "alignmentId": "402", "score": 4, "possible": 4, "percent": 0.9,
         "assessedAt": "2026-09-21T00:00:00Z", "mastery": False},
        {"userId": "101", "alignmentId": "402", "score": 3, "possible": 4},  # the later item wins
    ]}, as_="teacher")
    assert [r["id"] for r in data["recordOutcomeResults"]] == ["1001", "1001"]  # docs/behaviour.md §2.5: keeps its id
    assert data["recordOutcomeResults"][1]["percent"] == 0.75
    assert await result_count(api) == 443
    read = await api.query(RESULTS, {"u": ["101"]}, as_="teacher")
    mine = [e["node"] for e in read["course"]["outcomeResults"]["edges"] if e["node"]["id"] == "1001"]
    # the later item wins for what it gives; assessedAt, which it leaves out, is kept
    assert mine == [{"id": "1001", "score": 3.0, "percent": 0.75, "hidden": False,
                     "submittedOrAssessedAt": "2026-09-21T00:00:00+00:00",
                     "outcome": {"id": "201"}}]
    new = await stored_rollups(api, 101)
    assert new[201] != old[201] and {k: v for k, v in new.items() if k != 201} == \
        {k: v for k, v in old.items() if k != 201}


BAD_ITEMS = [  # an unknown id is NOT_FOUND, every other mistake BAD_USER_INPUT
    ({"userId": "1"}, "NOT_FOUND", "results[1].userId: user 1 is not a student of this course"),
    ({"userId": "sis_user_id:nobody"}, "NOT_FOUND",
     "results[1].userId: user sis_user_id:nobody is not a student of this course"),
    ({"alignmentId": "99"}, "NOT_FOUND", "results[1].alignmentId: no alignment 99 in this course"),
    ({"outcomeId": "202"}, "BAD_USER_INPUT", "results[1].outcomeId: alignment 401 aligns outcome 201, not 202"),
    ({"alignmentId": "x"}, "BAD_USER_INPUT", "results[1].alignmentId: 'x' is not an id (a positive integer)"),
    ({"submittedAt": "2026-10-01T10:00:00"}, "BAD_USER_INPUT",
     "results[1].submittedAt: timestamp '2026-10-01T10:00:00' has no UTC offset; add one such as \"Z\" or \"-06:00\""),
]


async def test_a_bad_item_names_itself_and_nothing_is_written(api):
    before = (await api.query(RESULTS, {"u": ["130", "101"]}, as_="teacher"), await stored_rollups(api, 130),
              await versions(api))
    good = {"userId": "130", "alignmentId": "401", "score": 3, "possible": 4}
    for item, code, message in BAD_ITEMS:  # the second of three items is bad
        body = await api.query(RECORD, {"results": [good, {**good, **item}, good]}, as_="teacher", errors=True)
        assert codes(body) == [(code, message)]
        assert body["data"] is None
    after = (await api.query(RESULTS, {"u": ["130", "101"]}, as_="teacher"), await stored_rollups(api, 130),
             await versions(api))
    assert after == before
    assert (await api.query(RECORD, {"results": []}, as_="admin")) == {"recordOutcomeResults": []}
    body = await api.query(RECORD.replace('courseId: "1"', 'courseId: "2"'), {"results": []}, as_="teacher",
                           errors=True)
    assert codes(body)[0][0] == "NOT_FOUND"
    async with api.engine.begin() as conn:
        await conn.execute(m.Alignment.__table__.update().where(m.Alignment.id == 401).values(deleted=True))
    body = await api.query(RECORD, {"results": [{"userId": "130", "alignmentId": "401", "score": 1}]},
                           as_="teacher", errors=True)
    assert codes(body) == [("BAD_USER_INPUT", "results[0].alignmentId: alignment 401 is deleted")]


async def test_twenty_concurrent_writes_all_succeed(api):
    students = [101, 102, 103, 104, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 119, 120, 121, 130]

    async def one(uid: int):
        return await api.query(RECORD, {"results": [
            {"userId": str(uid), "alignmentId": "401", "score": 4, "possible": 4,
             "submittedAt": "2026-12-01T00:00:00Z"}]}, as_="teacher")

    done = await asyncio.gather(*(one(u) for u in students))
    ids = [d["recordOutcomeResults"][0]["id"] for d in done]
    assert len(set(ids)) == 20
    rollups = await api.query(ROLLUPS, {"u": [str(u) for u in students]}, as_="teacher")
    for edge in rollups["course"]["outcomeRollups"]["edges"]:
        assert any(s["outcome"]["id"] == "201" and s["score"] is not None for s in edge["node"]["scores"])
    assert (await versions(api))[1] == 2 + 20


# -- hide and delete ----------------------------------------------------------------------------


async def test_hide_show_and_delete_results(api):
    body = await api.query('mutation { deleteOutcomeResults(courseId: "1", resultIds: ["1001", "5"]) }',
                           as_="teacher", errors=True)
    assert codes(body) == [("NOT_FOUND", "resultIds[1]: no result 5 in this course")]
    old = await stored_rollups(api, 101)
    hide = 'mutation($h: Boolean!) { setOutcomeResultsHidden(courseId: "1", resultIds: ["1001"], hidden: $h) ' \
           '{ id hidden } }'
    assert (await api.query(hide, {"h": True}, as_="teacher")) == \
        {"setOutcomeResultsHidden": [{"id": "1001", "hidden": True}]}
    visible = await api.query(RESULTS.replace("includeHidden: true", "includeHidden: false"), {"u": ["101"]},
                              as_="teacher")
    assert "1001" not in {e["node"]["id"] for e in visible["course"]["outcomeResults"]["edges"]}
    assert 201 not in await stored_rollups(api, 101)  # 1001 was 101's only result for 201
    await api.query(hide, {"h": False}, as_="teacher")
    assert await stored_rollups(api, 101) == old

    data = await api.query('mutation { deleteOutcomeResults(courseId: "1", resultIds: ["1001", "1001"]) }',
                           as_="teacher")
    assert data == {"deleteOutcomeResults": ["1001"]}
    read = await api.query(RESULTS, {"u": ["101"]}, as_="teacher")
    assert "1001" not in {e["node"]["id"] for e in read["course"]["outcomeResults"]["edges"]}
    assert 201 not in await stored_rollups(api, 101)
    again = await api.query('mutation { deleteOutcomeResults(courseId: "1", resultIds: ["1001"]) }', as_="teacher")
    assert again == data
    body = await api.query(hide, {"h": True}, as_="teacher", errors=True)  # deleted: no longer there to hide
    assert codes(body) == [("NOT_FOUND", "resultIds[0]: no result 1001 in this course")]
    # recording the same (user, alignment) revives the row under its id
    revived = await api.query(RECORD, {"results": [{"userId": "101", "alignmentId": "402", "score": 1}]},
                              as_="teacher")
    assert revived["recordOutcomeResults"][0]["id"] == "1001"


# -- outcome order ------------------------------------------------------------------------------


ORDER = 'mutation($o: [OutcomeOrderInput!]!) { assignOutcomeOrder(courseId: "1", order: $o) { id } }'


async def test_assign_outcome_order_replaces_the_viewers_order(api):
    for bad, code in (("999", "NOT_FOUND"), ("201x", "BAD_USER_INPUT")):
        body = await api.query(ORDER, {"o": [{"outcomeId": "201", "position": 0},
                                             {"outcomeId": bad, "position": 1}]}, as_="teacher", errors=True)
        assert codes(body)[0][0] == code
    assert codes(body)[0][1] == "order[1].outcomeId: '201x' is not an id (a positive integer)"
    body = await api.query(ORDER, {"o": [{"outcomeId": "999", "position": 0}]}, as_="teacher", errors=True)
    assert codes(body) == [("NOT_FOUND", "order: outcome 999 is not linked in this course")]
    body = await api.query(ORDER, {"o": [{"outcomeId": "201", "position": 0}]}, as_="admin", errors=True)
    assert codes(body)[0][0] == "BAD_USER_INPUT" and "belongs to a user" in codes(body)[0][1]
    link_order = [o["id"] for o in (await api.query(OUTCOMES, as_="teacher"))["course"]["outcomes"]]
    assert link_order == sorted(link_order)  # nothing was saved
    order = [{"outcomeId": o, "position": i} for i, o in enumerate(reversed(link_order))]
    data = await api.query(ORDER, {"o": order}, as_="teacher")
    assert [o["id"] for o in data["assignOutcomeOrder"]] == link_order[::-1]
    assert [o["id"] for o in (await api.query(OUTCOMES, as_="teacher"))["course"]["outcomes"]] == link_order[::-1]
    assert [o["id"] for o in (await api.query(OUTCOMES, as_="ta"))["course"]["outcomes"]] == link_order  # per user
    # replace-all: only two positions now, the rest follow in link order
    data = await api.query(ORDER, {"o": [{"outcomeId": "205", "position": 1}, {"outcomeId": "203", "position": 2}]},
                           as_="teacher")
    expected = ["205", "203"] + [o for o in link_order if o not in ("205", "203")]
    assert [o["id"] for o in data["assignOutcomeOrder"]] == expected
    assert [o["id"] for o in (await api.query(OUTCOMES, as_="teacher"))["course"]["outcomes"]] == expected
    assert [o["id"] for o in (await api.query(ORDER, {"o": []}, as_="teacher"))["assignOutcomeOrder"]] == link_order


# -- scoring settings ---------------------------------------------------------------------------


OUTCOME = """{ course(id: 1) { outcomes(outcomeIds: ["201"]) { title calculationMethod calculationInt
  pointsPossible masteryPoints ratings { description points } } } }"""
UPDATE = 'mutation($i: OutcomeUpdateInput!) { updateOutcome(courseId: "1", outcomeId: "201", input: $i) ' \
         '{ id title calculationMethod calculationInt pointsPossible masteryPoints } }'


async def test_update_outcome_rescore_and_queue_a_course_job(api):
    scoring, data_version = await versions(api)
    old = await stored_rollups(api, 103)
    data = await api.query(UPDATE, {"i": {"calculationMethod": "HIGHEST", "title": "Lab safety"}}, as_="teacher")
    assert data["updateOutcome"] == {"id": "201", "title": "Lab safety", "calculationMethod": "HIGHEST",
                                     "calculationInt": None, "pointsPossible": 4.0, "masteryPoints": 3.0}
    assert await versions(api) == (scoring + 1, data_version + 1)
    assert [(j.course_id, j.user_id, j.state) for j in await jobs_of(api)] == [(1, None, "queued")]
    # stored rows are stale now, yet reads are current: 103 has 2 then 3 for outcome 201
    rollup = (await api.query(ROLLUPS, {"u": ["103"]}, as_="teacher"))["course"]["outcomeRollups"]["edges"][0]
    score = {s["outcome"]["id"]: s["score"] for s in rollup["node"]["scores"]}["201"]
    assert old[201] == (2.65, 2, scoring) and score == 3.0  # decaying average 65, then highest

    data = await api.query(UPDATE, {"i": {"calculationMethod": "N_MASTERY"}}, as_="teacher")
    assert data["updateOutcome"]["calculationInt"] == 5  # docs/behaviour.md §1.1: the new method's default int
    data = await api.query(UPDATE, {"i": {"calculationInt": 2, "ratings": [
        {"description": "Meets", "points": 3}, {"description": "Exceeds", "points": 6},
        {"description": "No", "points": 0}], "masteryPoints": 3}}, as_="teacher")
    assert data["updateOutcome"]["calculationInt"] == 2 and data["updateOutcome"]["pointsPossible"] == 6.0
    read = (await api.query(OUTCOME, as_="teacher"))["course"]["outcomes"][0]
    assert read["ratings"] == [{"description": "Exceeds", "points": 6.0}, {"description": "Meets", "points": 3.0},
                               {"description": "No", "points": 0.0}]
    assert [(j.user_id, j.state) for j in await jobs_of(api)] == [(None, "queued")]  # de-duplicated


async def test_update_outcome_refuses_what_canvas_refuses(api):
    before = await api.query(OUTCOME, as_="teacher")
    for change, message in [
        ({"calculationMethod": "HIGHEST", "calculationInt": 3},
         "input.calculationInt: A calculation value is not used with this calculation method"),
        ({"calculationInt": 100}, "input.calculationInt: '100' is not a valid value for this calculation method. "
                                  "The value must be between '1' and '99'"),
        ({"ratings": []}, "input.ratings: at least one rating is required"),
        ({"masteryPoints": -1}, "input.masteryPoints: must be at least 0 (got -1.0)"),
        ({"title": " "}, "input.title: must not be empty"),
    ]:
        body = await api.query(UPDATE, {"i": change}, as_="teacher", errors=True)
        assert codes(body) == [("BAD_USER_INPUT", message)]
    assert await api.query(OUTCOME, as_="teacher") == before and not await jobs_of(api)
    body = await api.query(UPDATE.replace('"201"', '"999"'), {"i": {"title": "x"}}, as_="teacher", errors=True)
    assert codes(body) == [("NOT_FOUND", "outcomeId: outcome 999 is not linked in this course")]
    scoring, _ = await versions(api)  # a title alone changes no score: nothing to recalculate
    await api.query(UPDATE, {"i": {"title": "Renamed"}}, as_="admin")
    assert (await versions(api))[0] == scoring and not await jobs_of(api)
    assert (await api.query(OUTCOME, as_="teacher"))["course"]["outcomes"][0]["title"] == "Renamed"


SCALE = 'mutation($r: [MasteryRatingInput!]) { setCourseMasteryScale(courseId: "1", ratings: $r) { id ' \
        'outcomes(outcomeIds: ["201"]) { pointsPossible masteryPoints ratings { points mastery color } } } }'


async def test_course_mastery_scale_set_used_and_removed(api):
    for ratings, message in [
        ([{"description": "A", "points": 3, "mastery": True}, {"description": "B", "points": 3}],
         "ratings[1].points: Points should be strictly decreasing: 3.0 <= 3.0"),
        ([{"description": "A", "points": 3, "mastery": True}, {"description": "B", "points": 1, "mastery": True}],
         "ratings[1].mastery: Exactly one rating can have mastery"),
        ([{"description": "A", "points": 3}], "ratings: Exactly one rating can have mastery"),
        ([], "ratings: at least one rating is required"),
        ([{"description": "A", "points": 3, "mastery": True, "color": "blue"}],
         "ratings[0].color: must be six hex digits such as \"0B874B\" (got 'blue')"),
    ]:
        body = await api.query(SCALE, {"r": ratings}, as_="teacher", errors=True)
        assert codes(body) == [("BAD_USER_INPUT", message)]
    assert (await api.query(OUTCOME, as_="teacher"))["course"]["outcomes"][0]["pointsPossible"] == 4.0
    assert not await jobs_of(api)
    scoring, _ = await versions(api)
    ratings = [{"description": "Exceeds", "points": 4, "color": "0374B5"},
               {"description": "Mastery", "points": 3, "mastery": True}, {"description": "Below", "points": 1}]
    data = await api.query(SCALE, {"r": ratings}, as_="teacher")
    assert data["setCourseMasteryScale"]["outcomes"] == [{"pointsPossible": 4.0, "masteryPoints": 3.0, "ratings": [
        {"points": 4.0, "mastery": False, "color": "0374B5"}, {"points": 3.0, "mastery": True, "color": None},
        {"points": 1.0, "mastery": False, "color": None}]}]
    assert (await versions(api))[0] == scoring + 1
    assert [(j.user_id, j.state) for j in await jobs_of(api)] == [(None, "queued")]
    data = await api.query(RECORD, {"results": [{"userId": "130", "alignmentId": "401", "score": 3}]},
                           as_="teacher")
    assert data["recordOutcomeResults"][0]["percent"] == 0.75  # 3 / the scale's 4 points (docs/behaviour.md §2.2)
    assert data["recordOutcomeResults"][0]["mastery"] is True
    data = await api.query(SCALE, {"r": None}, as_="teacher")
    assert data["setCourseMasteryScale"]["outcomes"][0]["ratings"][0] == {"points": 4.0, "mastery": False,
                                                                          "color": "2B7ABC"}  # the outcome's own
    assert (await versions(api))[0] == scoring + 2


METHOD = 'mutation($m: CalculationMethod, $n: Int) { setCourseCalculationMethod(courseId: "1", method: $m, ' \
         'calculationInt: $n) { outcomes(outcomeIds: ["201"]) { calculationMethod calculationInt } } }'


async def test_course_calculation_method(api):
    data = await api.query(METHOD, {"m": "LATEST"}, as_="teacher")
    assert data["setCourseCalculationMethod"]["outcomes"] == [{"calculationMethod": "LATEST", "calculationInt": None}]
    data = await api.query(METHOD, {"m": "STANDARD_DECAYING_AVERAGE"}, as_="teacher")
    assert data["setCourseCalculationMethod"]["outcomes"][0]["calculationInt"] == 65
    body = await api.query(METHOD, {"m": "STANDARD_DECAYING_AVERAGE", "n": 20}, as_="teacher", errors=True)
    assert codes(body) == [("BAD_USER_INPUT", "calculationInt: '20' is not a valid value for this calculation "
                                              "method. The value must be between '50' and '99'")]
    data = await api.query(METHOD, {"m": None}, as_="teacher")  # back to the outcome's own
    assert data["setCourseCalculationMethod"]["outcomes"] == [{"calculationMethod": "DECAYING_AVERAGE",
                                                               "calculationInt": 65}]


# -- enqueueOutcomeRollupCalculation ------------------------------------------------------------


ENQUEUE = 'mutation($c: ID!, $u: ID) { enqueueOutcomeRollupCalculation(courseId: $c, userId: $u) { id state ' \
          'progress runAfter attempts error createdAt finishedAt course { id } user { id } } }'


async def test_enqueue_a_student_job_due_a_minute_later_and_deduplicated(api):
    start = datetime.now(timezone.utc)
    job = (await api.query(ENQUEUE, {"c": "1", "u": "101"}, as_="teacher"))["enqueueOutcomeRollupCalculation"]
    run_after = datetime.fromisoformat(job["runAfter"])
    assert timedelta(seconds=59) < run_after - start < timedelta(seconds=62)
    assert {k: v for k, v in job.items() if k not in ("id", "runAfter", "createdAt")} == {
        "state": "QUEUED", "progress": 0.0, "attempts": 0, "error": None, "finishedAt": None,
        "course": {"id": "1"}, "user": {"id": "101"}}
    await asyncio.sleep(0.01)
    again = (await api.query(ENQUEUE, {"c": "1", "u": "sis_user_id:" + await _sis(api, 101)},
                             as_="admin"))["enqueueOutcomeRollupCalculation"]
    assert again["id"] == job["id"] and again["runAfter"] >= job["runAfter"]  # postponed, not repeated
    course = (await api.query(ENQUEUE, {"c": "1", "u": None}, as_="teacher"))["enqueueOutcomeRollupCalculation"]
    assert course["id"] != job["id"] and course["user"] is None
    assert [(j.user_id, j.state) for j in await jobs_of(api)] == [(101, "queued"), (None, "queued")]


async def test_enqueue_needs_an_active_student(api):
    # concluded, inactive, a teacher, unknown, another course, an unknown SIS id, a malformed course id
    for course, user in [("1", "118"), ("1", "122"), ("1", "1"), ("1", "999"), ("2", "101"),
                         ("1", "sis_user_id:nobody"), ("x", "101")]:
        body = await api.query(ENQUEUE, {"c": course, "u": user}, as_="teacher", errors=True)
        assert codes(body) == [("NOT_FOUND", "Invalid course or student")], (course, user)
    assert not await jobs_of(api)
