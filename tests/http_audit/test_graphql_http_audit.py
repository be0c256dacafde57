"""GraphQL over HTTP conformance: graphql-http's `auditServer` against a real `outcome-graph serve`.

Needs Node and `npm ci` in tests/http_audit (scripts/test does it). Skipped with a reason when either is
missing, except in CI, where it must run. Fails on any audit with status "error"; prints the counts.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEMO = ROOT / "outcome_graph" / "db" / "demo_course.json"
CLI = [sys.executable, "-m", "outcome_graph"]


@pytest.fixture
def node() -> str:
    node = shutil.which("node")
    missing = ("node is not on PATH" if node is None else
               None if (HERE / "node_modules" / "graphql-http").is_dir() else
               "tests/http_audit/node_modules is missing (run: cd tests/http_audit && npm ci)")
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the GraphQL over HTTP audit cannot run: {missing}")
        pytest.skip(missing)
    return node


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(node, tmp_path):
    """`outcome-graph serve` on a loopback port over a fresh SQLite demo database; yields the /graphql URL."""
    db = f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"
    subprocess.run([*CLI, "import", str(DEMO), "--database", db], cwd=tmp_path, check=True, capture_output=True,
                   timeout=60)
    port = _free_port()
    env = {**os.environ, "OUTCOME_GRAPH_RUN_WORKER": "false"}
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([*CLI, "serve", "--database", db, "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "server did not start in 30 s"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/graphql", tmp_path / "server.log"
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


def test_graphql_over_http_audit(node, server, capsys):
    url, log = server
    run = subprocess.run([node, str(HERE / "audit.mjs"), url], cwd=HERE, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    counts = collections.Counter(r["status"] for r in results)
    summary = ", ".join(f"{counts[s]} {s}" for s in ("ok", "notice", "warn", "error"))
    with capsys.disabled():
        print(f"\ngraphql-http auditServer: {len(results)} audits: {summary}")
        for r in results:
            if r["status"] != "ok":
                print(f"  {r['status']}: {r['id']} {r['name']}: {r['reason']}")
    errors = [r for r in results if r["status"] == "error"]
    assert not errors, json.dumps(errors, indent=1)
    assert len(results) > 50, "the audit ran far fewer checks than graphql-http defines"
    assert "Traceback" not in log.read_text(), "the audit made the server crash: see its log"
