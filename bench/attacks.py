"""Attacks against the request budget (issue 12) while a normal gradebook query is timed.

    .venv/bin/python bench/attacks.py [--seconds 5] [--header-mb 1] [--message-mb 3.7] [--json FILE]

Loopback only and bounded: `outcome-graph serve --demo` on a free 127.0.0.1 port (its own SQLite file in a
temporary directory, response cache off so the normal query does its work). For each attack, one process
sends the attack in a loop for `--seconds` seconds while this process times the README's gradebook query
as the teacher, one request at a time; a first round with no attack is the baseline. Prints p50/p99 of the
normal query under each attack (goal: p99 under 100 ms), how many attack requests went out and what they
got back. Exits 1 when an attack was not refused or the server died.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "outcome_graph"]
GOAL_MS = 100.0
GRADEBOOK = """query Gradebook {
  course(id: "1") {
    name
    outcomes { id title calculationMethod path { parts { name } } }
    outcomeRollups(sortBy: OUTCOME, sortOutcomeId: "201", sortOrder: DESC, first: 5) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { user { name } sections { name } scores { outcome { id } score count title } } }
    }
    outcomeRollupAggregate(stat: MEDIAN) { scores { outcome { title } score count } }
  }
}"""
SUBSCRIPTION = 'subscription { rollupJobUpdated(id: "1") { id state } }'
ENTITIES = ('query($r: [_Any!]!) { _entities(representations: $r) { ... on User { '
            'outcomeResults(courseId: "1", first: 100) { edges { node { id score } } } } } }')


def fan_out(levels: int = 11) -> str:
    frags = [f"fragment F{levels - 1} on Course {{ id name }}"]
    frags += [f"fragment F{i} on Course {{ ...F{i + 1} ...F{i + 1} ...F{i + 1} ...F{i + 1} }}"
              for i in range(levels - 2, -1, -1)]
    return "{ course(id: 1) { ...F0 } } " + " ".join(frags)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


# --- attacks: each returns what the server answered, for the report ------------------------------------------

def http_attack(base: str, token: str, body: dict | bytes, headers: dict | None = None):
    content = body if isinstance(body, bytes) else json.dumps(body).encode()

    def attack(client: httpx.Client) -> str:
        h = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {}),
             **(headers or {})}
        r = client.post(f"{base}/graphql", content=content, headers=h)
        try:
            error = r.json()["errors"][0]
            return f"{r.status_code} {error['extensions'].get('limit') or error['extensions']['code']}"
        except (ValueError, KeyError, IndexError, TypeError):
            return f"{r.status_code} not refused"
    return attack


async def ws_big_message(url: str, token: str, megabytes: float) -> str:
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")], max_size=None) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        await ws.recv()
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "{ __typename }", "variables": {"x": "y" * int(megabytes * 1_000_000)}}}))
        try:
            while True:
                if json.loads(await ws.recv()).get("id") == "1":
                    return "executed: not refused"
        except ConnectionClosed as e:
            return f"closed {e.rcvd.code if e.rcvd else None}"


async def ws_many_operations(url: str, token: str, count: int = 200) -> str:
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        await ws.recv()
        for i in range(count):
            await ws.send(json.dumps({"id": str(i), "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))
        refused = 0
        for _ in range(count):
            msg = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if msg["type"] == "error" and msg["payload"][0]["extensions"].get("limit") == "socketOperations":
                refused += 1
        return f"{refused} of {count} refused (socketOperations)"


def attacker(name: str, base: str, token: str, args, stop: multiprocessing.Event, out) -> None:
    """Runs in its own process: one attack in a loop until told to stop; reports counts of each answer."""
    answers: dict[str, int] = {}
    ws_url = base.replace("http://", "ws://") + "/graphql"
    attacks = {
        "fragment fan-out (11 x 4 spreads)": lambda: http_attack(base, "", {"query": fan_out()}),
        "300,000 tokens (900 KB)": lambda: http_attack(
            base, "", {"query": "{ " + " ".join(["a"] * 300_000) + " }"}),
        "_entities: 6,000 x a page of 100": lambda: http_attack(
            base, token, {"query": ENTITIES, "variables": {"r": [{"__typename": "User", "id": "101"}] * 6_000}}),
        f"Authorization header of {args.header_mb} MB": lambda: http_attack(
            base, "", {"query": "{ viewer { name } }"}, {"Authorization": "Bearer " + "x" * int(args.header_mb * 1e6)}),
        "subscription over HTTP": lambda: http_attack(base, token, {"query": SUBSCRIPTION}),
        "900 KB string literal": lambda: http_attack(base, "", {"query": '{ a(s: "' + "x" * 900_000 + '") }'}),
        "(control) a valid cheap query": lambda: http_attack(base, token, {"query": "{ viewer { id } }"}),
    }
    attack = attacks[name]() if name in attacks else None
    with httpx.Client(timeout=60) as client:
        while not stop.is_set():
            try:
                if name == "websocket message":
                    answer = asyncio.run(ws_big_message(ws_url, token, args.message_mb))
                elif name == "websocket operations":
                    answer = asyncio.run(ws_many_operations(ws_url, token))
                else:
                    answer = attack(client)
            except Exception as e:  # noqa: BLE001 - reported, like any other answer
                answer = f"client error {type(e).__name__}"
            answers[answer] = answers.get(answer, 0) + 1
    out.put(answers)


ATTACKS = ["(control) a valid cheap query", "fragment fan-out (11 x 4 spreads)", "300,000 tokens (900 KB)",
           "900 KB string literal", "_entities: 6,000 x a page of 100", "Authorization header of {mb} MB",
           "subscription over HTTP", "websocket message", "websocket operations"]


def time_normal(base: str, token: str, seconds: float, max_requests: int = 2_000) -> list[float]:
    latencies = []
    deadline = time.monotonic() + seconds
    with httpx.Client(timeout=60) as client:
        while time.monotonic() < deadline and len(latencies) < max_requests:
            started = time.perf_counter()
            r = client.post(f"{base}/graphql", json={"query": GRADEBOOK},
                            headers={"Authorization": f"Bearer {token}"})
            latencies.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200 and not r.json().get("errors"), r.text[:300]
    return latencies


def start_server(workdir: Path) -> tuple[subprocess.Popen, str, str]:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OUTCOME_GRAPH_RESPONSE_CACHE_SIZE": "0",
           "OUTCOME_GRAPH_RUN_WORKER": "false"}
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log:  # a file, not a pipe: the access log must never block the server
        proc = subprocess.Popen([*CLI, "serve", "--demo", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        text = log_path.read_text(errors="replace")
        m = re.search(r"teacher token .*:\s+(\S+)", text)
        if m and "Application startup complete" in text:
            return proc, f"http://127.0.0.1:{port}", m.group(1)
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("the demo server did not start:\n" + log_path.read_text(errors="replace"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="each round (default 5)")
    parser.add_argument("--header-mb", type=float, default=1.0, help="size of the oversized header (default 1)")
    parser.add_argument("--message-mb", type=float, default=3.7, help="size of the oversized WS message")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    report = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="og-attacks-") as tmp:
        proc, base, token = start_server(Path(tmp))
        try:
            time_normal(base, token, 1.0)  # warm-up
            rounds = [None] + [a.format(mb=args.header_mb) for a in ATTACKS]
            for name in rounds:
                answers = {}
                if name is None:
                    latencies = time_normal(base, token, args.seconds)
                else:
                    stop, out = multiprocessing.Event(), multiprocessing.Queue()
                    worker = multiprocessing.Process(target=attacker, args=(name, base, token, args, stop, out))
                    worker.start()
                    time.sleep(0.3)  # the attack is under way before timing starts
                    latencies = time_normal(base, token, args.seconds)
                    stop.set()
                    answers = out.get(timeout=120)
                    worker.join(30)
                    failed |= not name.startswith("(control)") and any(
                        "not refused" in a or "executed" in a for a in answers)
                p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
                report.append({"attack": name or "(none)", "normal_requests": len(latencies),
                               "p50_ms": round(p50, 1), "p99_ms": round(p99, 1), "attack_answers": answers})
                print(f"{name or '(no attack)':40s} normal query: n={len(latencies):4d} p50 {p50:6.1f} ms "
                      f"p99 {p99:6.1f} ms {'ok' if p99 < GOAL_MS else 'MISS'}   attack got: {answers}", flush=True)
                if proc.poll() is not None:
                    print("the server died", file=sys.stderr)
                    return 1
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
