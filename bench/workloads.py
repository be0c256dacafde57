"""B1-B9 and B12: what each workload runs on the floor and on the product, its checks and its goal."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

import floors
import queries
from dataset import COURSE_ID, FIRST_OUTCOME, alignment_id
from floor_rollups import iso, students
from graphql_layer import Layer
from measure import alternate, same


@dataclass
class Bench:
    """What every workload needs: the floor's connection, the running product, the settings of this run."""

    db: Path
    con: Any
    product: Any  # product.Product
    fields: set[str]
    scale: str
    runs: int
    course: int = COURSE_ID
    results: dict = field(default_factory=dict)  # workload id -> record, for goals that refer to others

    def missing(self, wid: str) -> list[str]:
        return [f for f in queries.NEEDS.get(wid, []) if f not in self.fields]


def record(wid: str, title: str, goal: str) -> dict:
    return {"id": wid, "workload": title, "goal": goal, "status": "pending", "correct": None, "notes": [],
            "gates": []}


def _check(rec: dict, ok: bool, why: str | None) -> None:
    rec["correct"] = ok
    if not ok:
        rec["gates"].append(f"results differ: {why}")


def _ratio_goal(rec: dict, limit: float) -> None:
    ratio = rec.get("ratio")
    rec["goal_met"] = None if ratio is None else ratio <= limit


async def _graph(b: Bench, rec: dict, floor_fn, query: str, variables: dict, limit: float) -> dict:
    """A read workload: floor vs product through the ASGI app, results compared, statements counted."""
    missing = b.missing(rec["id"])
    product_fn = None
    if missing:
        rec["notes"].append(f"not yet available: {', '.join(missing)} (floor timed alone)")
    else:
        async def product_fn():
            return await b.product.post(query, variables)
    t = await alternate(floor_fn, product_fn, b.runs)
    rec.update(t.summary())
    if product_fn is not None:
        _check(rec, *same(t.floor_out, t.product_out))
        rec["statements"], _ = await b.product.count(query, variables)
        rec["begins"] = b.product.begins()
        _ratio_goal(rec, limit)
    return rec


async def b1(b: Bench) -> dict:
    rec = record("B1", "GraphQL layer alone: 10,000 objects x 5 scalars, in process", "<= 1.3x graphql-core")
    layer = Layer(10_000 if b.scale == "full" else 2_000)
    t = await alternate(layer.floor, layer.product, b.runs)
    rec.update(t.summary())
    _check(rec, *same(t.floor_out, t.product_out))
    _ratio_goal(rec, 1.3)
    return rec


async def page(b: Bench, wid: str, first: int) -> dict:
    rec = record(wid, f"outcomeRollups sorted by student, page of {first}", "<= 2.5x floor")
    await _graph(b, rec, lambda: floors.rollup_page(b.con, b.course, first), queries.ROLLUP_PAGE,
                 {"course": str(b.course), "first": first}, 2.5)
    if rec.get("statements") is not None:  # N+1 is a test: a small page costs what a large one costs
        other = 100 if first != 100 else 20
        n, _ = await b.product.count(queries.ROLLUP_PAGE, {"course": str(b.course), "first": other})
        rec["notes"].append(f"SQL statements: {rec['statements']} at first={first} ({rec['begins']} of them BEGIN), "
                            f"{n} at first={other}")
        if n != rec["statements"]:
            rec["gates"].append(f"statement count grows with the page: {rec['statements']} vs {n}")
    return rec


async def b4(b: Bench) -> dict:
    rec = record("B4", "outcomeRollupAggregate MEAN and MEDIAN, whole course",
                 "<= 0.5x compute floor (stored rollups make it a read)")
    return await _graph(b, rec, lambda: floors.aggregate(b.con, b.course), queries.AGGREGATE,
                        {"course": str(b.course)}, 0.5)


async def b5(b: Bench) -> dict:
    from outcome_graph.db.engine import writer
    from outcome_graph.db.rollup_store import recompute

    rec = record("B5", "recalculate every rollup of the course (the job)", "<= 1.5x compute floor")
    engine = b.product.engine

    async def product_fn():
        async with writer(engine).begin() as conn:
            return await recompute(conn, b.course)

    t = await alternate(lambda: floors.compute_all(b.con, b.course), product_fn, b.runs)
    rec.update(t.summary())
    stored = {(u, o): floors.Score(s, c, ti, iso(at), bool(h)) for u, o, s, c, ti, at, h in b.con.execute(
        "SELECT user_id, outcome_id, score, count, title, submitted_at, hide_points FROM rollups WHERE course_id = ?",
        (b.course,))}
    ok = stored == t.floor_out
    bad = next((k for k in t.floor_out if stored.get(k) != t.floor_out[k]), None)
    _check(rec, ok, None if ok else f"{len(stored)} stored vs {len(t.floor_out)} computed; first {bad}: "
                                   f"stored {stored.get(bad)} vs floor {t.floor_out.get(bad)}")
    rec["notes"].append(f"{t.product_out:,} rollups written per run")
    rss = child_rss(b.db, "b5")
    if rss is not None:
        rec["peak_rss_mb"] = rss
        rec["notes"].append(f"peak RSS {rss:.0f} MB in a fresh process (limit 500 MB)")
        if rss > 500:
            rec["gates"].append(f"recalculation peak RSS {rss:.0f} MB > 500 MB")
    _ratio_goal(rec, 1.5)
    return rec


def child_rss(db: Path, what: str) -> float | None:
    """Peak RSS (MB) of `run.py --child <what>` in its own process (os.wait4 gives its rusage)."""
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("run.py")), "--child", what,
                             "--db", str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        print(f"child {what} failed: {proc.stderr.read().decode()[-1000:]}", file=sys.stderr)
        return None
    return usage.ru_maxrss / 1024


def sort_outcome() -> int:
    return FIRST_OUTCOME  # the first outcome uses standard_decaying_average: the floor's costliest


async def b6(b: Bench) -> dict:
    rec = record("B6", "outcomeRollups sorted by one outcome's score DESC, page of 100",
                 "<= 2.5x floor and <= 0.1x B5")
    await _graph(b, rec, lambda: floors.rollup_sorted(b.con, b.course, 100, sort_outcome()), queries.ROLLUP_SORTED,
                 {"course": str(b.course), "first": 100, "outcome": str(sort_outcome())}, 2.5)
    b5rec = b.results.get("B5")
    if rec.get("product_median_s") and b5rec and b5rec.get("product_median_s"):
        share = rec["product_median_s"] / b5rec["product_median_s"]
        rec["notes"].append(f"{share:.3f}x B5's product time (goal <= 0.1x)")
        if rec.get("goal_met") is not None:
            rec["goal_met"] = rec["goal_met"] and share <= 0.1
    elif rec.get("product_median_s"):
        rec["notes"].append("B5 not run: the <= 0.1x B5 half of the goal is unchecked")
    return rec


async def b7(b: Bench) -> dict:
    rec = record("B7", "contributingScores for one outcome, all students", "<= 3x floor")
    return await _graph(b, rec, lambda: floors.contributing(b.con, b.course, sort_outcome()), queries.CONTRIBUTING,
                        {"course": str(b.course), "outcome": str(sort_outcome())}, 3.0)


async def b8(b: Bench) -> dict:
    total = b.con.execute("SELECT COUNT(*) FROM outcome_results WHERE hidden = 0").fetchone()[0]
    first = min(10_000 if b.scale == "full" else 1_000, total)  # smoke: statements equal at 100 and 1,000
    rec = record("B8", f"outcomeResults, {first:,} results with outcome/user/alignment",
                 "<= 12x floor; <= 4 SQL statements, equal at 100 and 10,000")
    await _graph(b, rec, lambda: floors.results(b.con, b.course, first), queries.RESULTS,
                 {"course": str(b.course), "first": first}, 12.0)
    if rec.get("statements") is not None:
        small, _ = await b.product.count(queries.RESULTS, {"course": str(b.course), "first": 100})
        rec["notes"].append(f"SQL statements: {small} at first=100, {rec['statements']} at first={first} "
                            f"({rec['begins']} of them BEGIN)")
        if small != rec["statements"]:
            rec["gates"].append(f"statement count grows with the page: {small} vs {rec['statements']}")
        if max(small, rec["statements"]) > 4:
            rec["gates"].append(f"more than 4 SQL statements per request ({max(small, rec['statements'])})")
    return rec


async def b12(b: Bench) -> dict:
    from outcome_graph.resolvers.paging import encode_cursor

    first = 100
    rec = record("B12", f"outcomeResults, a page of {first} deep in the course by cursor, with outcome/user/alignment",
                 "<= 3x floor and < 50 ms")
    cursor = floors.deep_cursor(b.con, b.course)
    await _graph(b, rec, lambda: floors.deep_page(b.con, b.course, first, cursor), queries.DEEP_PAGE,
                 {"course": str(b.course), "first": first, "after": encode_cursor("result", cursor)}, 3.0)
    if rec.get("statements") is not None:
        rec["notes"].append(f"after user {cursor[0]}'s result {cursor[2]}")
        rec["goal_met"] = rec["goal_met"] and rec["product_median_s"] < 0.050
    return rec


async def b9(b: Bench) -> dict:
    rec = record("B9", "one result written with recordOutcomeResults (rollup kept current)", "p50 < 5 ms")
    user = students(b.con, b.course)[0][0]
    align = alignment_id(0, 0)
    outcome = FIRST_OUTCOME
    base = datetime(2026, 6, 1, tzinfo=timezone.utc)
    step = iter(range(10**6))

    def floor_fn():
        i = next(step)
        return floors.record(b.con, b.course, user, align, float(i % 5), base + timedelta(minutes=i))

    product_fn = None
    missing = b.missing("B9")
    if missing:
        rec["notes"].append(f"not yet available: {', '.join(missing)} (floor timed alone)")
    else:
        async def product_fn():
            i = next(step)
            body = await b.product.post(queries.RECORD, {"course": str(b.course), "results": [{
                "userId": str(user), "alignmentId": str(align), "score": float(i % 5), "possible": 4.0,
                "submittedAt": (base + timedelta(minutes=i)).isoformat()}]})
            return body, i
    t = await alternate(floor_fn, product_fn, max(b.runs, 30))
    rec.update(t.summary())
    if product_fn is not None:
        body, i = t.product_out
        data = orjson.loads(body)
        ok = not data.get("errors") and data["data"]["recordOutcomeResults"][0]["score"] == float(i % 5)
        fresh = floors.rollups(b.con, b.course, [user], [outcome])[(user, outcome)]
        row = b.con.execute("SELECT score, count FROM rollups WHERE course_id = ? AND user_id = ? AND outcome_id = ?",
                            (b.course, user, outcome)).fetchone()
        ok = ok and row == (fresh.score, fresh.count)
        _check(rec, ok, None if ok else f"response {str(data)[:200]}; stored rollup {row} vs recomputed "
                                        f"{(fresh.score, fresh.count)}")
        rec["statements"], _ = await b.product.count(queries.RECORD, {"course": str(b.course), "results": [{
            "userId": str(user), "alignmentId": str(align), "score": 3.0, "possible": 4.0,
            "submittedAt": base.isoformat()}]})
        rec["begins"] = b.product.begins()
        rec["goal_met"] = rec["product_median_s"] < 0.005
    return rec


WORKLOADS = {
    "B1": b1, "B2": lambda b: page(b, "B2", 20), "B3": lambda b: page(b, "B3", 100), "B4": b4, "B5": b5,
    "B6": b6, "B7": b7, "B8": b8, "B9": b9, "B12": b12,
}
