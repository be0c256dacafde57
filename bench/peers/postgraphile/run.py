"""Peer: PostGraphile 4 over PostgreSQL 15, beside our product, on the same machine (not gating).

    python bench/peers/postgraphile/run.py [--scale full] [--seconds 5] [--runs 3] [--json out.json]

Needs node + npm and PostgreSQL at 127.0.0.1:5432 (user postgres, trust); otherwise it says why
and exits 0. Installs postgraphile@4 into bench/peers/postgraphile/node_modules (git-ignored),
loads the benchmark course into a separate database `og_bench` (the product's own migrations,
then COPY, then the product's rollup recalculation), serves PostGraphile on loopback and measures
with wrk -c32: a B2-shaped page (20 students by sortable name, each with their stored rollups and
each rollup's outcome) and a 100-row list of results. Our product is measured the same way on
SQLite (response cache off and on) and on the same PostgreSQL database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parents[1]
sys.path.insert(0, str(BENCH))

import dataset  # noqa: E402
import queries  # noqa: E402
from http_load import WRK_MISSING, free_port, post, request_body, script, serve, wrk, wrk_available  # noqa: E402

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
DB = "og_bench"
PG_URL = f"postgresql://postgres@127.0.0.1:5432/{DB}"

PEER_PAGE = """
query Gradebook {
  allUsers(first: 20, orderBy: [SORTABLE_NAME_ASC, ID_ASC]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id name rollupsByUserId(orderBy: OUTCOME_ID_ASC) {
      nodes { outcomeByOutcomeId { id } score count hidePoints title submittedAt } } }
  }
}"""
PEER_LIST = """
query Results {
  allOutcomeResults(first: 100, orderBy: [USER_ID_ASC, OUTCOME_ID_ASC, ID_ASC]) {
    totalCount
    nodes { id score percent submittedAt outcomeByOutcomeId { id title } userByUserId { id }
            alignmentByAlignmentId { id } }
  }
}"""


def why_not() -> str | None:
    if not shutil.which("node") or not shutil.which("npm"):
        return "node/npm not installed"
    if not wrk_available():  # installs it with apt-get when root
        return WRK_MISSING
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
    except OSError:
        return "no PostgreSQL at 127.0.0.1:5432"
    return None


def install() -> str:
    binary = HERE / "node_modules" / ".bin" / "postgraphile"
    if not binary.exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True)
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True)
    return (out.stdout or out.stderr).strip()


def _naive(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


async def load(scale: str, seed: int) -> dict:
    """A fresh og_bench database: migrations, COPY of the course, stored rollups, FK indexes, ANALYZE."""
    import asyncpg

    from outcome_graph.db.engine import create_engine, writer
    from outcome_graph.db.migrate import upgrade
    from outcome_graph.db.rollup_store import recompute

    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{DB}"')
    await admin.close()
    t0 = time.perf_counter()
    engine = create_engine(PG_URL)
    await upgrade(engine)
    d = dataset.build(scale, seed)
    con = await asyncpg.connect(PG_URL)
    c = dataset.COURSE_ID
    tables = [
        ("courses", ["id", "name", "sis_course_id", "scoring_version", "data_version"],
         [(c, "Benchmark 101", "BENCH-101", 1, 1)]),
        ("sections", ["id", "course_id", "name"], [(s, c, f"Period {i + 1}") for i, s in enumerate(dataset.SECTION_IDS)]),
        ("users", ["id", "name", "sortable_name", "sis_user_id", "login_id", "name_key"], dataset.user_rows(d)),
        ("enrollments", ["course_id", "section_id", "user_id", "role", "state", "limit_to_section"],
         [(*e, False) for e in d.enrollments]),
        ("outcome_groups", ["id", "course_id", "parent_id", "title"], d.groups),
        ("outcomes", ["id", "title", "description", "points_possible", "mastery_points", "ratings",
                      "calculation_method", "calculation_int"],
         [(o, t, "", pp, mp, r, m, n) for o, t, pp, mp, r, m, n in d.outcomes]),
        ("outcome_links", ["course_id", "group_id", "outcome_id"], d.links),
        ("assets", ["id", "course_id", "type", "name", "html_url", "published", "post_policy"],
         [(*a, True, "automatic") for a in d.assets]),
        ("alignments", ["id", "course_id", "outcome_id", "asset_id", "deleted"], [(*a, False) for a in d.alignments]),
        ("outcome_results", list(dataset.RESULT_COLUMNS),
         [(*r[:12], _naive(r[12]), None, *r[14:]) for r in d.results]),
    ]
    for table, columns, rows in tables:
        await con.copy_records_to_table(table, records=rows, columns=columns)
    await con.close()
    async with writer(engine).begin() as conn:
        rollups = await recompute(conn, c)
    await engine.dispose()
    con = await asyncpg.connect(PG_URL)
    # PostGraphile's relations filter on the foreign key alone: index them, as its docs advise.
    await con.execute("CREATE INDEX og_bench_rollups_user ON rollups (user_id)")
    await con.execute("CREATE INDEX og_bench_results_user ON outcome_results (user_id)")
    await con.execute("ANALYZE")
    await con.close()
    return {"results": len(d.results), "rollups": rollups, "load_s": time.perf_counter() - t0}


async def loaded(scale: str, seed: int) -> dict | None:
    """The facts of an og_bench database that already holds this course, else None."""
    import asyncpg

    try:
        con = await asyncpg.connect(PG_URL)
    except Exception:
        return None
    try:
        results = await con.fetchval("SELECT COUNT(*) FROM outcome_results")
        rollups = await con.fetchval("SELECT COUNT(*) FROM rollups")
    except Exception:
        return None
    finally:
        await con.close()
    return {"results": results, "rollups": rollups, "reused": True} if results == len(
        dataset.build(scale, seed).results) else None


@contextmanager
def postgraphile():
    port = free_port()
    proc = subprocess.Popen([str(HERE / "node_modules" / ".bin" / "postgraphile"), "--connection", PG_URL,
                             "--schema", "public", "--host", "127.0.0.1", "--port", str(port),
                             "--disable-query-log", "--disable-graphiql", "--dynamic-json",
                             "--simple-collections", "omit"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "NODE_ENV": "production"})
    try:
        url = f"http://127.0.0.1:{port}/graphql"
        deadline = time.monotonic() + 60
        while True:
            try:
                req = urllib.request.Request(url, data=b'{"query":"{__typename}"}', method="POST",
                                             headers={"Content-Type": "application/json"})
                urllib.request.urlopen(req, timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"postgraphile did not start: {proc.stderr.read().decode()[-2000:]}")
                time.sleep(0.3)

        class S:  # the shape http_load's helpers expect
            name = "postgraphile"
            probe = "/graphql"  # a GET answers 405 at once
            url_ = f"http://127.0.0.1:{port}"

            @property
            def url(self):
                return self.url_

        yield S()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def measure(server, name: str, body: bytes, token: str, seconds: float, runs: int, out: Path) -> dict:
    """wrk -c32 req/s and p50, plus the latency of a lone request (median of 3)."""
    lua = script(out, f"peer-{name}", body, token)
    first = post(server, body, token)
    assert b'"errors"' not in first[:200], first[:500]
    lone = []
    for _ in range(3):
        t0 = time.perf_counter()
        post(server, body, token)
        lone.append(time.perf_counter() - t0)
    wrk(server, lua, min(3.0, seconds))
    res = [wrk(server, lua, seconds) for _ in range(runs)]
    done = [r for r in res if r.requests]
    return {"rps": statistics.median(r.rps for r in res),
            "p50_ms": statistics.median(r.p50_s for r in done) * 1e3 if done else None,
            "lone_ms": statistics.median(lone) * 1e3, "errors": sum(r.errors for r in res), "bytes": len(first)}


async def product_token(url: str) -> str:
    from outcome_graph.db.engine import create_engine
    from outcome_graph.db.tokens import create_token

    engine = create_engine(url)
    try:
        return await create_token(engine, user_id=dataset.TEACHER_ID)
    finally:
        await engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=dataset.SCALES, default="full")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sqlite", type=Path, help="our product's SQLite database (default bench/out/run-<scale>.db, "
                                                "the working copy run.py leaves)")
    ap.add_argument("--json", type=Path, default=BENCH / "out" / "peer-postgraphile.json")
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                    help="our HTTP processes (default: this machine's cores, as `outcome-graph serve`; "
                         "PostGraphile spreads its work over Node and PostgreSQL's backends)")
    ap.add_argument("--reuse", action="store_true", help="keep an already loaded og_bench database")
    args = ap.parse_args()
    reason = why_not()
    if reason:
        print(f"postgraphile peer skipped: {reason}")
        return 0
    out = BENCH / "out"
    out.mkdir(exist_ok=True)
    version = install()
    facts = asyncio.run(loaded(args.scale, args.seed)) if args.reuse else None
    facts = facts or asyncio.run(load(args.scale, args.seed))
    print(f"PostgreSQL {DB}: {facts}", file=sys.stderr)
    sqlite = args.sqlite or out / f"run-{args.scale}.db"
    if not sqlite.exists():
        dataset.write_sqlite(dataset.build(args.scale, args.seed), sqlite)
    ours_page = request_body(queries.ROLLUP_PAGE, {"course": str(dataset.COURSE_ID), "first": 20})
    ours_list = request_body(queries.RESULTS, {"course": str(dataset.COURSE_ID), "first": 100})
    rows = {}
    with postgraphile() as pg:
        rows["postgraphile"] = {"page": measure(pg, "page", request_body(PEER_PAGE, {}), "none", args.seconds,
                                                args.runs, out),
                                "list": measure(pg, "list", request_body(PEER_LIST, {}), "none", args.seconds,
                                                args.runs, out)}
    for label, url, cache in (("ours sqlite", f"sqlite+aiosqlite:///{sqlite}", "0"),
                              ("ours sqlite + response cache", f"sqlite+aiosqlite:///{sqlite}", "64"),
                              ("ours postgresql", f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DB}", "0")):
        token = asyncio.run(product_token(url))
        env = {"BENCH_DATABASE_URL": url, "BENCH_DB": str(sqlite), "BENCH_CACHE": cache}
        with serve(label, "product_app", env, workers=args.workers) as ours:
            rows[label] = {"page": measure(ours, "page", ours_page, token, args.seconds, args.runs, out),
                           "list": measure(ours, "list", ours_list, token, args.seconds, args.runs, out)}
    base = rows["postgraphile"]
    lines = [f"PostGraphile {version} on PostgreSQL 15 vs Outcome Graph ({args.workers} HTTP processes), wrk -c32, "
             f"{args.runs} x {args.seconds:.0f} s (lone = one request at a time)",
             "", "| server | page req/s | page p50 | page lone | vs PostGraphile | list req/s | list p50 | list lone | "
             "vs PostGraphile |", "|---|---|---|---|---|---|---|---|---|"]

    def ms(v):
        return "no reply in the window" if v is None else f"{v:,.1f} ms"

    for name, r in rows.items():
        p, li = r["page"], r["list"]
        lines.append(f"| {name} | {p['rps']:,.1f} | {ms(p['p50_ms'])} | {ms(p['lone_ms'])} | "
                     f"{p['rps'] / base['page']['rps']:.2f}x | {li['rps']:,.1f} | {ms(li['p50_ms'])} | "
                     f"{ms(li['lone_ms'])} | {li['rps'] / base['list']['rps']:.2f}x |")
    print("\n".join(lines))
    import orjson

    args.json.write_bytes(orjson.dumps({"when": datetime.now(timezone.utc).isoformat(), "postgraphile": version,
                                        "load": facts, "workers": args.workers, "rows": rows}, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
