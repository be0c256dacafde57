"""Load test: concurrent gradebook reads and result writes against `outcome-graph serve` on SQLite, then SIGTERM.

    .venv/bin/pip install aiohttp          # the load generator; not a project dependency
    .venv/bin/python bench/load_test.py [--duration 60] [--clients 32] [--response-cache 0] [--json FILE]

Loopback only and bounded: a fresh SQLite copy of the demo course, one `serve` process on a free 127.0.0.1
port, `--clients` aiohttp clients that each keep one request in flight for `--duration` seconds. The mix:
gradebook reads (outcomeRollups pages of 20, walked by cursor under every sort; outcomeResults pages of
100, walked by cursor), result writes (recordOutcomeResults) and now and then a recalculation request
(enqueueOutcomeRollupCalculation), the last two when the schema has them. Reports requests, errors and
p50/p99 per operation, then checks: zero errors, no "database is locked" (nor any traceback) in the server
log, and graceful shutdown: SIGTERM while every client is busy -> every request in flight at that moment
completes with a good answer, the process exits 0 and no rollup job is left `running`. Exits 1 on any
failed check.

The response cache is off by default (`--response-cache 0`): with it, repeated reads are answered from
memory and the figures would describe the cache, not the service.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import orjson

try:
    import aiohttp
except ImportError:  # pragma: no cover
    sys.exit("bench/load_test.py needs aiohttp: .venv/bin/pip install aiohttp")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from loopback import free_port, percentile  # noqa: E402

DEMO = ROOT / "outcome_graph" / "db" / "demo_course.json"
CLI = [sys.executable, "-m", "outcome_graph"]

ROLLUPS = ("query Rollups($after: String, $sort: RollupSortBy, $order: SortOrder, $sortOutcome: ID) { course(id: 1) { "
           "outcomeRollups(first: 20, after: $after, sortBy: $sort, sortOrder: $order, sortOutcomeId: $sortOutcome) { "
           "totalCount pageInfo { hasNextPage endCursor } edges { node { user { id name } sections { id } "
           "scores { outcome { id title } score count title submittedAt hidePoints } } } } } }")
RESULTS = ("query Results($after: String) { course(id: 1) { outcomeResults(first: 100, after: $after) { "
           "totalCount pageInfo { hasNextPage endCursor } edges { node { id score possible percent mastery "
           "hidden submittedOrAssessedAt user { id } outcome { id } alignment { id name } } } } } }")
RECORD = ("mutation Record($results: [OutcomeResultInput!]!) { recordOutcomeResults(courseId: 1, results: $results) "
          "{ id score } }")
ENQUEUE = "mutation Enqueue($user: ID) { enqueueOutcomeRollupCalculation(courseId: 1, userId: $user) { id state } }"
SORTS = [(None, "ASC"), (None, "DESC"), ("STUDENT", "ASC"), ("STUDENT", "DESC"), ("OUTCOME", "ASC"),
         ("OUTCOME", "DESC")]


@dataclass(eq=False)  # identity: kept in a set while in flight
class Op:
    started: float
    name: str
    done: bool = False
    ok: bool = False
    error: str | None = None


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    in_flight: set = field(default_factory=set)


def run(*args: str, env=None) -> str:
    return subprocess.run([*CLI, *args], check=True, capture_output=True, text=True, env=env, cwd=ROOT).stdout


class Client:
    """One simulated user: walks gradebook pages by cursor and records results, one request at a time."""

    def __init__(self, n: int, session, url: str, tokens: dict[str, str], demo: dict,
                 mix: list[tuple[str, float]], stats: Stats, rng: random.Random):
        self.session, self.url, self.stats, self.rng = session, url, stats, rng
        readers = sorted(tokens)  # a teacher, a section-limited TA and an admin read the gradebook
        self.read_token = tokens[readers[n % len(readers)]]
        self.write_token = tokens["teacher" if n % 2 else "admin"]  # graders of every section write
        self.names, self.weights = zip(*mix)
        self.students = [e["user_id"] for e in demo["enrollments"] if e["role"] == "student"
                         and e.get("state", "active") == "active"]
        self.alignments = [a["id"] for a in demo["alignments"]]
        self.sort = SORTS[n % len(SORTS)]
        self.cursor = {"rollups": None, "results": None}

    def request(self, name: str) -> tuple[str, dict]:
        if name == "rollups":
            sort, order = self.sort
            return ROLLUPS, {"after": self.cursor["rollups"], "sort": sort, "order": order,
                             "sortOutcome": "201" if sort == "OUTCOME" else None}
        if name == "results":
            return RESULTS, {"after": self.cursor["results"]}
        if name == "enqueue":
            return ENQUEUE, {"user": str(self.rng.choice(self.students))}
        user = self.rng.choice(self.students)
        results = [{"userId": str(user), "alignmentId": str(a), "score": float(self.rng.randint(0, 5)),
                    "possible": 5.0, "submittedAt": "2026-11-02T10:00:00+00:00"}
                   for a in self.rng.sample(self.alignments, 2)]
        return RECORD, {"results": results}

    def advance(self, name: str, data: dict) -> None:
        """The next page of the same walk, or the first page again (under the next sort) at the end."""
        if name not in self.cursor:
            return
        page = data["course"]["outcomeRollups" if name == "rollups" else "outcomeResults"]
        info = page["pageInfo"]
        self.cursor[name] = info["endCursor"] if info["hasNextPage"] else None
        if name == "rollups" and not info["hasNextPage"]:
            self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]

    async def loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            name = self.rng.choices(self.names, self.weights)[0]
            query, variables = self.request(name)
            token = self.read_token if name in self.cursor else self.write_token
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            op = Op(time.perf_counter(), name)
            self.stats.in_flight.add(op)
            try:
                async with self.session.post(self.url, data=orjson.dumps({"query": query, "variables": variables}),
                                             headers=headers) as response:
                    raw = await response.read()
                body = orjson.loads(raw) if raw[:1] == b"{" else {"errors": [{"message": raw[:200].decode()}]}
                if response.status != 200 or body.get("errors"):
                    op.error = f"{response.status} {str(body.get('errors'))[:300]}"
                else:
                    op.ok = True
                    self.advance(name, body["data"])
            except (aiohttp.ClientError, asyncio.TimeoutError) as e:
                op.error = f"{type(e).__name__}: {e}"
            finally:
                op.done = True
                self.stats.in_flight.discard(op)
                if op.ok:
                    self.stats.latencies[name].append(time.perf_counter() - op.started)
                elif op.error:
                    self.stats.errors[name].append(op.error)


async def wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start:\n{log.read_text()}")
            await asyncio.sleep(0.1)


async def mutations(session, url: str, token: str) -> set[str]:
    query = "{ __schema { mutationType { fields { name } } } }"
    async with session.post(url, json={"query": query}, headers={"Authorization": f"Bearer {token}"}) as r:
        body = await r.json()
    mutation_type = body["data"]["__schema"]["mutationType"]
    return {f["name"] for f in mutation_type["fields"]} if mutation_type else set()


async def load(args, workdir: Path) -> dict:
    db = workdir / "load.db"
    url = f"sqlite+aiosqlite:///{db}"
    run("import", str(DEMO), "--database", url)
    tokens = {role: run("token", "create", *who, "--database", url).strip()
              for role, who in (("teacher", ["--user", "1"]), ("ta", ["--user", "2"]), ("admin", ["--admin"]))}
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1",  # the log must be whole, however the process ends
           "OUTCOME_GRAPH_RESPONSE_CACHE_SIZE": str(args.response_cache),
           "OUTCOME_GRAPH_JOB_DELAY_SECONDS": "0", "OUTCOME_GRAPH_WORKER_POLL_SECONDS": "0.2"}
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([*CLI, "serve", "--database", url, "--host", "127.0.0.1", "--port", str(port)],
                                cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    graphql = f"http://127.0.0.1:{port}/graphql"
    try:
        await wait_healthy(f"http://127.0.0.1:{port}/healthz", proc, log_path)
        demo = orjson.loads(DEMO.read_bytes())
        stats = Stats()
        rng = random.Random(args.seed)
        connector = aiohttp.TCPConnector(limit=args.clients)
        async with aiohttp.ClientSession(connector=connector,
                                         timeout=aiohttp.ClientTimeout(total=args.timeout)) as session:
            available = await mutations(session, graphql, tokens["teacher"])
            mix = [("rollups", 0.45), ("results", 0.35)]
            if "recordOutcomeResults" in available:
                mix.append(("record", 0.18))
            if "enqueueOutcomeRollupCalculation" in available:
                mix.append(("enqueue", 0.02))
            stop = asyncio.Event()
            clients = [Client(n, session, graphql, tokens, demo, mix, stats, random.Random(rng.random()))
                       for n in range(args.clients)]
            started = time.perf_counter()
            tasks = [asyncio.create_task(c.loop(stop)) for c in clients]
            await asyncio.sleep(args.duration)
            # Graceful shutdown under load: every request in flight now must still get its answer.
            in_flight = list(stats.in_flight)
            stop.set()
            proc.send_signal(signal.SIGTERM)
            sigterm = time.perf_counter()
            await asyncio.gather(*tasks)
            elapsed = time.perf_counter() - started
        exit_code = await asyncio.to_thread(proc.wait, 60)
        exit_seconds = time.perf_counter() - sigterm
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log_text = log_path.read_text(errors="replace")
    with sqlite3.connect(db) as conn:
        jobs = dict(conn.execute("SELECT state, count(*) FROM rollup_jobs GROUP BY state").fetchall())
    return {
        "clients": args.clients, "duration_s": round(elapsed, 1), "response_cache": args.response_cache,
        "mix": dict(mix), "mutations": sorted(available),
        "operations": {name: {"requests": len(stats.latencies[name]) + len(stats.errors[name]),
                              "errors": len(stats.errors[name]),
                              "p50_ms": round(percentile(stats.latencies[name], 50) * 1000, 1),
                              "p99_ms": round(percentile(stats.latencies[name], 99) * 1000, 1),
                              "first_errors": stats.errors[name][:3]}
                       for name, _ in mix},
        "shutdown": {"in_flight_at_sigterm": len(in_flight), "completed_ok": sum(op.ok for op in in_flight),
                     "not_completed": [f"{op.name}: {op.error}" for op in in_flight if not op.ok],
                     "exit_code": exit_code, "seconds_to_exit": round(exit_seconds, 2)},
        "jobs": jobs,
        "log": {"database_is_locked": log_text.count("database is locked"),
                "tracebacks": log_text.count("Traceback"), "path": str(log_path)},
    }


def verdict(report: dict) -> list[str]:
    failures = [f"{name}: {op['errors']} errors, e.g. {op['first_errors']}"
                for name, op in report["operations"].items() if op["errors"]]
    s = report["shutdown"]
    if s["completed_ok"] != s["in_flight_at_sigterm"]:
        failures.append(f"shutdown: {s['in_flight_at_sigterm'] - s['completed_ok']} of {s['in_flight_at_sigterm']} "
                        f"in-flight requests did not complete: {s['not_completed'][:3]}")
    if s["exit_code"] != 0:
        failures.append(f"shutdown: exit code {s['exit_code']}")
    if report["jobs"].get("running"):
        failures.append(f"shutdown: {report['jobs']['running']} rollup job(s) left running")
    if report["log"]["database_is_locked"]:
        failures.append(f"server log: {report['log']['database_is_locked']} 'database is locked'")
    if report["log"]["tracebacks"]:
        failures.append(f"server log: {report['log']['tracebacks']} traceback(s)")
    return failures


def show(report: dict, failures: list[str]) -> None:
    total = sum(op["requests"] for op in report["operations"].values())
    print(f"{report['clients']} clients for {report['duration_s']} s on SQLite (response cache "
          f"{report['response_cache'] or 'off'}): {total} requests, {total / report['duration_s']:.0f} req/s")
    print(f"{'operation':<10}{'requests':>10}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}")
    for name, op in report["operations"].items():
        print(f"{name:<10}{op['requests']:>10}{op['errors']:>8}{op['p50_ms']:>9}{op['p99_ms']:>9}")
    s = report["shutdown"]
    print(f"SIGTERM under load: {s['completed_ok']}/{s['in_flight_at_sigterm']} in-flight requests completed, "
          f"exit code {s['exit_code']} after {s['seconds_to_exit']} s; jobs by state {report['jobs']}; "
          f"'database is locked' x{report['log']['database_is_locked']}, tracebacks x{report['log']['tracebacks']}")
    print("OK" if not failures else "FAILED:\n  " + "\n  ".join(failures))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load before SIGTERM (default 60)")
    p.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    p.add_argument("--response-cache", type=int, default=0, help="server response cache size (default 0: off)")
    p.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", help="also write the report here")
    p.add_argument("--keep", action="store_true", help="keep the temporary database and server log")
    args = p.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="og-load-"))
    report = asyncio.run(load(args, workdir))
    failures = verdict(report)
    show(report, failures)
    if args.json:
        Path(args.json).write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    if not args.keep and not failures:
        for path in itertools.chain(workdir.iterdir(), [workdir]):
            path.unlink() if path.is_file() else path.rmdir()
    elif failures:
        print(f"kept {workdir} for inspection")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
