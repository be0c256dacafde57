"""Past one machine: two `serve` replicas and two `outcome-graph worker` processes on one PostgreSQL.

    .venv/bin/python bench/replicas.py [--seconds 60] [--clients 8] [--database postgresql://…] [--json FILE]

Loopback only and bounded: a fresh PostgreSQL database (created on 127.0.0.1:5432 and dropped at the end,
unless --database names one) with the demo course; two `serve --workers 1` processes on free ports,
without in-process workers, and two job worker processes, as docs/deployment.md describes. `--clients`
clients, each keeping one request in flight for `--seconds` against the replicas in turn: gradebook pages
(outcomeRollups, outcomeResults), result writes of the client's own (student, alignment) pairs,
recalculation requests for a student or the course, and now and then a change of an outcome's
calculation method (which queues a course recalculation). Then the queue drains, every process gets
SIGTERM, and the checks run:

- zero errors (any non-200 answer or GraphQL error), and every process exits 0 without a traceback;
- every job claimed exactly once: SUCCEEDED on its first attempt, its success logged by one worker once;
- every acknowledged write stored once, and every stored and served rollup equal to a fresh computation
  (tests/faults/check.py, an independent implementation of the rules).

Exits 1 when a check fails. tests/faults/test_replicas.py runs the same load for a few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loopback import free_port, percentile  # noqa: E402
from outcome_graph.db import jobs  # noqa: E402
from outcome_graph.db import models as m  # noqa: E402
from outcome_graph.db.engine import create_engine  # noqa: E402
from tests.faults.check import (ALIGNMENTS, SERVED, STUDENTS, Ledger, assert_consistent,  # noqa: E402
                                write)

CLI = [sys.executable, "-m", "outcome_graph"]
DEMO = ROOT / "outcome_graph" / "db" / "demo_course.json"
PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
ROLLUPS = ("query($after: String) { course(id: 1) { outcomeRollups(first: 20, after: $after) { "
           "pageInfo { hasNextPage endCursor } edges { node { user { id } scores { outcome { id } score } } } } } }")
RESULTS = ("query($after: String) { course(id: 1) { outcomeResults(first: 100, after: $after) { "
           "pageInfo { hasNextPage endCursor } edges { node { id score user { id } outcome { id } } } } } }")
ENQUEUE = 'mutation($u: ID) { enqueueOutcomeRollupCalculation(courseId: "1", userId: $u) { id } }'
METHOD = ('mutation($m: CalculationMethod!, $i: Int) { updateOutcome(courseId: "1", outcomeId: "201", '
          'input: {calculationMethod: $m, calculationInt: $i}) { id } }')
METHODS = [("HIGHEST", None), ("LATEST", None), ("DECAYING_AVERAGE", 65), ("N_MASTERY", 2), ("AVERAGE", None)]
MIX = [("rollups", 40), ("results", 20), ("write", 30), ("enqueue", 8), ("method", 2)]
ENV = {"PYTHONUNBUFFERED": "1", "OUTCOME_GRAPH_RUN_WORKER": "false", "OUTCOME_GRAPH_RESPONSE_CACHE_SIZE": "64",
       "OUTCOME_GRAPH_JOB_DELAY_SECONDS": "0", "OUTCOME_GRAPH_WORKER_POLL_SECONDS": "0.05"}


@dataclass
class Report:
    requests: Counter = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    jobs: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Deployment:
    """The four processes, each logging to a file of its own in workdir."""

    def __init__(self, url: str, workdir: Path):
        self.url, self.workdir = url, workdir
        self.ports = [free_port(), free_port()]
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        for n, port in enumerate(self.ports):
            self._spawn(f"serve{n}", "serve", "--database", self.url, "--port", str(port), "--workers", "1")
        for n in range(2):
            self._spawn(f"worker{n}", "worker", "--database", self.url)

    def _spawn(self, name: str, *args: str) -> None:
        with open(self.workdir / f"{name}.log", "wb") as log:
            self.procs[name] = subprocess.Popen([*CLI, *args], cwd=ROOT, env={**os.environ, **ENV}, stdout=log,
                                                stderr=subprocess.STDOUT)

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    async def ready(self) -> None:
        async with httpx.AsyncClient() as client:
            for port, name in zip(self.ports, ("serve0", "serve1")):
                for _ in range(1200):
                    if self.procs[name].poll() is not None:
                        raise RuntimeError(f"{name} exited:\n{self.log(name)[-3000:]}")
                    try:
                        if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.05)
        for name in ("worker0", "worker1"):
            for _ in range(1200):
                if "polling" in self.log(name):
                    break
                await asyncio.sleep(0.05)

    def stop(self) -> dict[str, int]:
        """SIGTERM to every process; their exit codes."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes = {}
        for name, proc in self.procs.items():
            try:
                codes[name] = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[name] = proc.wait()
        return codes


class Client:
    """One user of the gradebook, writing only its own pairs (so the ledger knows each pair's last score)."""

    def __init__(self, n: int, of: int, servers: list[httpx.AsyncClient], token: str, ledger: Ledger,
                 report: Report, rng: random.Random):
        self.token, self.ledger, self.report, self.rng = token, ledger, report, rng
        self.pairs = [(s, a) for s in STUDENTS[n::of] for a in ALIGNMENTS]  # none past the 12th client
        self.cursor: dict[str, str | None] = {"rollups": None, "results": None}
        self.turn = itertools.cycle(servers[n % 2:] + servers[:n % 2])  # the replicas in turn

    async def loop(self, stop: asyncio.Event) -> None:
        names, weights = zip(*MIX)
        while not stop.is_set():
            name = self.rng.choices(names, weights)[0]
            if name == "write" and not self.pairs:
                name = "rollups"
            started = time.perf_counter()
            error = await self.one(next(self.turn), name)
            self.report.requests[name] += 1
            if error:
                self.report.errors.append(f"{name}: {error}")
            else:
                self.report.latencies[name].append(time.perf_counter() - started)

    async def one(self, server: httpx.AsyncClient, name: str) -> str | None:
        """One request; the error it met, or None."""
        if name == "write":
            response = await write(server, self.token, self.ledger, self.rng.choice(self.pairs),
                                   float(self.rng.randint(0, 4)))
            if response is None:
                return "connection lost"
            body = response.json()
            return None if response.status_code == 200 and not body.get("errors") else f"{response.status_code} {body}"
        if name in self.cursor:
            query, variables = (ROLLUPS if name == "rollups" else RESULTS), {"after": self.cursor[name]}
        elif name == "enqueue":
            query, variables = ENQUEUE, {"u": self.rng.choice([None, *map(str, STUDENTS)])}
        else:
            method, number = self.rng.choice(METHODS)
            query, variables = METHOD, {"m": method, "i": number}
        try:
            response = await server.post("/graphql", content=orjson.dumps({"query": query, "variables": variables}),
                                         headers={"Authorization": f"Bearer {self.token}",
                                                  "Content-Type": "application/json"})
        except httpx.TransportError as e:
            return f"{type(e).__name__}: {e}"
        body = orjson.loads(response.content)
        if response.status_code != 200 or body.get("errors"):
            return f"{response.status_code} {str(body.get('errors'))[:300]}"
        if name in self.cursor:
            page = body["data"]["course"]["outcomeRollups" if name == "rollups" else "outcomeResults"]
            self.cursor[name] = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
        return None


async def drained(engine, seconds: float = 300.0) -> bool:
    """Waits until no job is queued or running."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        async with engine.connect() as conn:
            busy = (await conn.execute(select(m.RollupJob.id).where(
                m.RollupJob.state.in_([jobs.QUEUED, jobs.RUNNING])).limit(1))).first()
        if busy is None:
            return True
        await asyncio.sleep(0.1)
    return False


async def run_load(url: str, token: str, seconds: float, clients: int, workdir: Path, seed: int = 1) -> Report:
    """The load and every check against an existing database that holds the demo course; failures in the report."""
    report, ledger = Report(), Ledger()
    deployment = Deployment(url, workdir)
    engine = create_engine(url)
    served: list[dict] = []
    try:
        deployment.start()
        await deployment.ready()
        limits = httpx.Limits(max_connections=clients)
        servers = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", timeout=60, limits=limits)
                   for p in deployment.ports]
        try:
            stop = asyncio.Event()
            rng = random.Random(seed)
            users = [Client(n, clients, servers, token, ledger, report, random.Random(rng.random()))
                     for n in range(clients)]
            started = time.perf_counter()
            tasks = [asyncio.create_task(u.loop(stop)) for u in users]
            await asyncio.sleep(seconds)
            stop.set()
            await asyncio.gather(*tasks)
            report.seconds = time.perf_counter() - started
            if not await drained(engine):
                report.failures.append("the job queue did not drain within 300 s")
            for server in servers:
                body = (await server.post("/graphql", json={"query": SERVED},
                                          headers={"Authorization": f"Bearer {token}"})).json()
                served.append(body)
        finally:
            for server in servers:
                await server.aclose()
    finally:
        codes = deployment.stop()
    report.failures += check_processes(deployment, codes)
    report.failures += [f"{len(report.errors)} errors, first: {report.errors[0]}"] if report.errors else []
    try:
        report.failures += await check_jobs(engine, [deployment.log(f"worker{n}") for n in range(2)], report)
        for body in served:
            await assert_consistent(engine, ledger, body.get("data"))
    except AssertionError as e:
        report.failures.append(f"rollups not equal to a fresh computation: {str(e)[:500]}")
    finally:
        await engine.dispose()
    return report


def check_processes(deployment: Deployment, codes: dict[str, int]) -> list[str]:
    failures = [f"{name} exited {code}" for name, code in codes.items() if code != 0]
    return failures + [f"{name} logged a traceback" for name in codes if "Traceback" in deployment.log(name)]


async def check_jobs(engine, logs: list[str], report: Report) -> list[str]:
    """Every job SUCCEEDED on its first claim, and its success logged exactly once by one worker."""
    async with engine.connect() as conn:
        rows = (await conn.execute(select(m.RollupJob.id, m.RollupJob.state, m.RollupJob.attempts))).all()
    report.jobs = len(rows)
    failures = [f"job {r.id}: {r.state} after {r.attempts} attempts" for r in rows
                if (r.state, r.attempts) != (jobs.SUCCEEDED, 1)]
    ran = Counter(int(x) for log in logs for x in re.findall(r"job (\d+): succeeded", log))
    failures += [f"job {i} logged as succeeded {ran[i]} times" for i in {r.id for r in rows} | set(ran)
                 if ran[i] != 1]
    return failures[:20]


async def fresh_database() -> tuple[str, str]:
    """A new PostgreSQL database with the demo course (through the CLI); its URL and a teacher's token."""
    name = f"og_replicas_{uuid.uuid4().hex[:8]}"
    await admin(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    subprocess.run([*CLI, "import", str(DEMO), "--database", url], check=True, cwd=ROOT, capture_output=True)
    token = subprocess.run([*CLI, "token", "create", "--user", "1", "--database", url], check=True, cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return url, token


async def admin(sql: str) -> None:
    engine = create_engine(PG_ADMIN)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


def show(report: Report) -> None:
    total = sum(report.requests.values())
    print(f"{total} requests in {report.seconds:.1f} s ({total / max(report.seconds, 1e-9):.1f} req/s), "
          f"{len(report.errors)} errors, {report.jobs} jobs")
    for name, values in sorted(report.latencies.items()):
        print(f"  {name:8} {len(values):6} ok  p50 {percentile(values, 50) * 1000:7.1f} ms  "
              f"p99 {percentile(values, 99) * 1000:7.1f} ms")
    print("checks: " + ("all passed" if not report.failures else "FAILED\n  " + "\n  ".join(report.failures)))


async def main_async(args) -> Report:
    url, token, own = args.database, args.token, False
    if url is None:
        url, token = await fresh_database()
        own = True
    try:
        with tempfile.TemporaryDirectory(prefix="replicas-") as workdir:
            return await run_load(url, token, args.seconds, args.clients, Path(workdir), args.seed)
    finally:
        if own:
            await admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--database", help="a PostgreSQL database holding the demo course (default: a fresh one)")
    p.add_argument("--token", help="a teacher's token for --database")
    p.add_argument("--json", help="also write the figures here")
    args = p.parse_args(argv)
    if args.database and not args.token:
        p.error("--database needs --token")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1 and 5 min), {os.cpu_count()} cores")
    report = asyncio.run(main_async(args))
    show(report)
    if args.json:
        Path(args.json).write_bytes(orjson.dumps({
            "seconds": report.seconds, "requests": dict(report.requests), "errors": len(report.errors),
            "jobs": report.jobs, "failures": report.failures,
            "p50_ms": {k: percentile(v, 50) * 1000 for k, v in report.latencies.items()}}, option=orjson.OPT_INDENT_2))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
