"""How every fault test ends: each acknowledged write present exactly once, every stored and served rollup
equal to a fresh computation (tests/api/expected.py over the results the database now holds)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import timezone

import httpx
import orjson
from sqlalchemy import func, select

from outcome_graph.db import models as m
from tests.api.expected import Course
from tests.conftest import DEMO

DEMO_DOC = orjson.loads(DEMO.read_bytes())
COURSE = 1
RECORD = """mutation($results: [OutcomeResultInput!]!) { recordOutcomeResults(courseId: "1", results: $results) {
  id score user { id } alignment { id } } }"""
SERVED = """{ course(id: 1) { outcomeRollups(first: 100) { pageInfo { hasNextPage } edges { node { user { id }
  scores { outcome { id } score count title } } } } } }"""
# Pairs the writers own, one writer each: students of the demo course x alignments.
STUDENTS = (101, 102, 103, 104, 105, 106, 108, 109, 110, 111, 112, 113)
ALIGNMENTS = (401, 404, 407, 410, 413, 415, 417, 420)


@dataclass
class Ledger:
    """What clients were told: per (user, alignment), acknowledged scores, and those whose answer never came."""

    acknowledged: dict[tuple[int, int], tuple[int, float]] = field(default_factory=dict)  # pair -> (id, score)
    in_flight: dict[tuple[int, int], float] = field(default_factory=dict)

    def record(self, pair: tuple[int, int], score: float, body: dict | None) -> None:
        """Notes one write's outcome: body is the GraphQL answer (None when the connection died first)."""
        if body is not None and not body.get("errors") and body.get("data"):
            [row] = body["data"]["recordOutcomeResults"]
            assert (int(row["user"]["id"]), int(row["alignment"]["id"]), row["score"]) == (*pair, score), row
            self.acknowledged[pair] = (int(row["id"]), score)
            self.in_flight.pop(pair, None)
        else:
            self.in_flight[pair] = score


async def write(client: httpx.AsyncClient, token: str, ledger: Ledger, pair: tuple[int, int],
                score: float) -> httpx.Response | None:
    """One recordOutcomeResults of one pair, noted in the ledger (None: the connection died, "in flight")."""
    ledger.in_flight[pair] = score
    variables = {"results": [{"userId": str(pair[0]), "alignmentId": str(pair[1]), "score": score,
                              "possible": 4.0}]}
    try:
        response = await client.post("/graphql", json={"query": RECORD, "variables": variables},
                                     headers={"Authorization": f"Bearer {token}"})
    except httpx.TransportError:
        return None
    ledger.record(pair, score, response.json() if response.status_code in (200, 503) else None)
    return response


def _iso(value) -> str | None:
    return None if value is None else value.replace(tzinfo=timezone.utc).isoformat()


async def stored_results(engine) -> list[dict]:
    """The course's results as bundle rows, for tests/api/expected.py."""
    r = m.OutcomeResult
    async with engine.connect() as conn:
        rows = (await conn.execute(select(r.__table__).where(r.course_id == COURSE, r.deleted.is_(False)))).all()
    return [{"id": x.id, "user_id": x.user_id, "outcome_id": x.outcome_id, "alignment_id": x.alignment_id,
             "score": x.score, "possible": x.possible, "percent": x.percent, "mastery": x.mastery,
             "submitted_at": _iso(x.submitted_at), "assessed_at": _iso(x.assessed_at), "hidden": x.hidden,
             "hide_points": x.hide_points, "posted": x.posted, "title": x.title, "artifact_type": x.artifact_type}
            for x in rows]


async def assert_consistent(engine, ledger: Ledger, served: dict | None = None) -> None:
    """Every acknowledged write is there once (or overwritten by a write in flight to its pair); stored rollups
    are all on the current scoring version and equal a fresh computation; so are the served ones, if given."""
    results = await stored_results(engine)
    by_pair: dict[tuple[int, int], list[dict]] = {}
    for row in results:
        by_pair.setdefault((row["user_id"], row["alignment_id"]), []).append(row)
    for pair, (result_id, score) in ledger.acknowledged.items():
        rows = by_pair.get(pair, [])
        assert len(rows) == 1, (pair, rows)
        assert rows[0]["id"] == result_id, (pair, rows[0], result_id)
        assert rows[0]["score"] in (score, ledger.in_flight.get(pair, score)), (pair, rows[0], score)
    async with engine.connect() as conn:
        ids = (await conn.execute(select(func.count(), func.count(m.OutcomeResult.id.distinct()))
                                  .select_from(m.OutcomeResult))).one()
        assert ids[0] == ids[1], ids
        version = (await conn.execute(select(m.Course.scoring_version).where(m.Course.id == COURSE))).scalar_one()
        stored = {(x.user_id, x.outcome_id): (x.score, x.count, x.title, x.version) for x in await conn.execute(
            select(m.Rollup).where(m.Rollup.course_id == COURSE).with_only_columns(
                m.Rollup.user_id, m.Rollup.outcome_id, m.Rollup.score, m.Rollup.count, m.Rollup.title,
                m.Rollup.version))}
        outcomes = {o.id: o for o in await conn.execute(select(m.Outcome.__table__))}
    doc = copy.deepcopy(DEMO_DOC)
    doc["results"] = results
    for outcome in doc["outcomes"]:  # scoring as it stands now (the tests change it through the API)
        row = outcomes[outcome["id"]]
        outcome.update(calculation_method=row.calculation_method, calculation_int=row.calculation_int)
    fresh = Course(doc).rollups(users={row["user_id"] for row in results})
    assert stored == {k: (s.score, s.count, s.title, version) for k, s in fresh.items()}
    if served is not None:
        page = served["course"]["outcomeRollups"]
        assert page["pageInfo"]["hasNextPage"] is False
        got = {(int(e["node"]["user"]["id"]), int(s["outcome"]["id"])): (s["score"], s["count"], s["title"])
               for e in page["edges"] for s in e["node"]["scores"]}
        students = set(Course(doc).students())
        assert got == {k: (s.score, s.count, s.title) for k, s in fresh.items() if k[0] in students}
