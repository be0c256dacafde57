"""B10/B11 over real HTTP: floor Starlette routes vs the product, each under uvicorn, driven by wrk."""

from __future__ import annotations

import statistics
from pathlib import Path

import queries
from http_load import WRK_MISSING, WrkResult, post, request_body, script, serve, wrk, wrk_available
from measure import same
from workloads import record

WORKLOADS = {
    "B10": ("HTTP, trivial query, uvicorn 1 worker, wrk -c32", ">= 0.25x a plain Starlette route (req/s)",
            queries.TRIVIAL, lambda course: {"course": str(course)}),
    "B11": ("HTTP, the B2 page (gradebook), uvicorn 1 worker, wrk -c32", "p50 <= 2.5x a Starlette route "
            "serving the B2 floor", queries.ROLLUP_PAGE, lambda course: {"course": str(course), "first": 20}),
}


def _series(results: list[WrkResult]) -> dict:
    return {"rps": [r.rps for r in results], "p50_s": [r.p50_s for r in results],
            "p99_s": [r.p99_s for r in results], "errors": sum(r.errors for r in results)}


def run(selected: list[str], db: Path, course: int, token: str, out_dir: Path, timed: bool, seconds: float,
        runs: int, fields: set[str]) -> list[dict]:
    """One record per selected HTTP workload; without wrk (or at smoke scale) only the answers are compared."""
    wanted = [w for w in ("B10", "B11") if w in selected]
    if not wanted:
        return []
    recs = []
    env = {"BENCH_DB": str(db), "BENCH_CACHE": "0"}
    with serve("floor", "floor_app", env, out_dir) as floor, serve("product", "product_app", env, out_dir) as product, \
            serve("product+cache", "product_app", {**env, "BENCH_CACHE": "64"}, out_dir) as cached:
        for wid in wanted:
            title, goal, query, variables = WORKLOADS[wid]
            rec = record(wid, title, goal)
            recs.append(rec)
            need = [f for f in queries.NEEDS.get(wid, []) if f not in fields]
            if need:
                rec["notes"].append(f"not yet available: {', '.join(need)}")
                rec["status"] = "skip"
                continue
            body = request_body(query, variables(course))
            ok, why = same(post(floor, body, token), post(product, body, token))
            ok2, why2 = same(post(floor, body, token), post(cached, body, token))
            rec["correct"] = ok and ok2
            if not rec["correct"]:
                rec["gates"].append(f"results differ: {why or why2}")
            if not timed:
                rec["notes"].append("timing skipped at smoke scale (answers compared over HTTP)")
                continue
            if not wrk_available():
                rec["notes"].append(f"{WRK_MISSING}: timing skipped")
                rec["status"] = "skip"
                continue
            lua = script(out_dir, wid, body, token)
            for server in (floor, product, cached):  # warm-up
                wrk(server, lua, min(3.0, seconds))
            f_runs, p_runs, c_runs = [], [], []
            for i in range(runs):
                order = [(floor, f_runs), (product, p_runs)]
                for server, sink in (order if i % 2 == 0 else order[::-1]):
                    sink.append(wrk(server, lua, seconds))
            for _ in range(max(1, runs // 2)):
                c_runs.append(wrk(cached, lua, seconds))
            rec["floor"], rec["product"], rec["product_cached"] = _series(f_runs), _series(p_runs), _series(c_runs)
            errors = rec["floor"]["errors"] + rec["product"]["errors"] + rec["product_cached"]["errors"]
            if errors:
                rec["gates"].append(f"{errors} HTTP errors under load")
            rec["runs"] = runs
            if wid == "B10":
                ratios = [p.rps / f.rps for f, p in zip(f_runs, p_runs)]
                rec["ratio"] = statistics.median(ratios)
                rec["goal_met"] = rec["ratio"] >= 0.25
            else:
                ratios = [p.p50_s / f.p50_s for f, p in zip(f_runs, p_runs)]
                rec["ratio"] = statistics.median(ratios)
                rec["goal_met"] = rec["ratio"] <= 2.5
            rec["floor_median_s"] = statistics.median(r.p50_s for r in f_runs)
            rec["product_median_s"] = statistics.median(r.p50_s for r in p_runs)
            rec["notes"].append(
                f"req/s floor {statistics.median(r.rps for r in f_runs):,.0f}, product "
                f"{statistics.median(r.rps for r in p_runs):,.0f}, product with response cache "
                f"{statistics.median(r.rps for r in c_runs):,.0f} (p50 {statistics.median(r.p50_s for r in c_runs) * 1e3:.2f} ms)")
    if "B11" in wanted and timed and wrk_available() and not [f for f in queries.NEEDS["B3"] if f not in fields]:
        recs.append(b3_under_load(db, course, token, out_dir, seconds))
    return recs


def b3_under_load(db: Path, course: int, token: str, out_dir: Path, seconds: float) -> dict:
    """Peak RSS of a fresh product process serving the B3 page (100 students) under wrk -c32."""
    rec = record("B3-load", "peak RSS serving B3 (page of 100) under wrk -c32", "recorded")
    body = request_body(queries.ROLLUP_PAGE, {"course": str(course), "first": 100})
    with serve("product-b3", "product_app", {"BENCH_DB": str(db), "BENCH_CACHE": "0"}, out_dir) as product:
        res = wrk(product, script(out_dir, "B3", body, token), max(seconds, 5.0))
        rss = product.peak_rss_mb()
    rec["correct"] = res.errors == 0
    rec["peak_rss_mb"] = rss
    rec["notes"].append(f"{res.rps:,.0f} req/s, p50 {res.p50_s * 1e3:.1f} ms, peak RSS {rss:.0f} MB")
    rec["status"] = "info"
    return rec
