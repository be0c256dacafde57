"""The end check of every fault test: acknowledged writes stored once, stored and served rollups fresh.

A fresh computation is tests/api/expected.py's, run on the bundle document with the results and the outcomes'
scoring as the database holds them now (never on the service's stored rollups).
"""

from __future__ import annotations

import copy

from sqlalchemy import select

from outcome_graph.db import models as m
from tests.api.expected import Course, api_score, engine_score

ROLLUPS = """query($c: ID!, $after: String) { course(id: $c) { outcomeRollups(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { node { user { id } scores { outcome { id } score count title submittedAt hidePoints } } } } } }"""


def _iso(value) -> str | None:
    return None if value is None else value.isoformat() + "+00:00"


async def current_doc(engine, doc: dict) -> dict:
    """The bundle document with the course's stored results and the stored outcomes' scoring."""
    cid = doc["course"]["id"]
    r, o = m.OutcomeResult, m.Outcome
    async with engine.connect() as conn:
        results = (await conn.execute(select(*r.__table__.c).where(r.course_id == cid, r.deleted.is_(False)))).all()
        outcomes = {row.id: row for row in await conn.execute(
            select(*o.__table__.c).where(o.id.in_([x["id"] for x in doc["outcomes"]])))}
    fresh = copy.deepcopy(doc)
    for out in fresh["outcomes"]:
        row = outcomes[out["id"]]
        out.update(calculation_method=row.calculation_method, calculation_int=row.calculation_int,
                   points_possible=row.points_possible, mastery_points=row.mastery_points, ratings=row.ratings)
    fresh["results"] = [{
        "id": x.id, "user_id": x.user_id, "outcome_id": x.outcome_id, "alignment_id": x.alignment_id,
        "score": x.score, "possible": x.possible, "percent": x.percent, "mastery": x.mastery,
        "submitted_at": _iso(x.submitted_at), "assessed_at": _iso(x.assessed_at), "hidden": x.hidden,
        "hide_points": x.hide_points, "posted": x.posted, "title": x.title, "artifact_type": x.artifact_type,
    } for x in results]
    return fresh


async def served_rollups(api, course_id: int, token: str) -> dict[tuple[int, int], tuple]:
    out, after = {}, None
    while True:
        body = (await api.raw(ROLLUPS, {"c": str(course_id), "after": after}, token=token)).json()
        assert not body.get("errors"), body["errors"]
        page = body["data"]["course"]["outcomeRollups"]
        for edge in page["edges"]:
            for s in edge["node"]["scores"]:
                out[(int(edge["node"]["user"]["id"]), int(s["outcome"]["id"]))] = api_score(s)
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


async def stored_rollups(engine, course_id: int) -> dict[tuple[int, int], tuple]:
    """Stored rollups of the course's current scoring version (older ones are never served)."""
    ro, c = m.Rollup, m.Course
    async with engine.connect() as conn:
        version = (await conn.execute(select(c.scoring_version).where(c.id == course_id))).scalar_one()
        rows = (await conn.execute(select(ro.user_id, ro.outcome_id, ro.score, ro.count, ro.version)
                                   .where(ro.course_id == course_id))).all()
    return {(u, o): (s, n) for u, o, s, n, v in rows if v == version}


async def assert_fresh(api, doc: dict, token: str) -> None:
    """Every served rollup, and every stored one of the current version, equals a fresh computation."""
    course = Course(await current_doc(api.engine, doc))
    cid = doc["course"]["id"]
    expected = {k: engine_score(s) for k, s in course.rollups().items()}
    assert await served_rollups(api, cid, token) == expected
    stored = await stored_rollups(api.engine, cid)
    assert stored == {k: expected[k][:2] for k in stored if k in expected}
