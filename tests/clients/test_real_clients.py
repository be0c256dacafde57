"""Real browser-side clients against a live `outcome-graph serve` (demo course, the job worker running,
jobs due at once): the graphql-ws npm client under Node, and GraphiQL in headless Chromium, each running a
recalculation-job subscription to SUCCEEDED; GraphiQL also runs the README's query.

Needs Node 20+ and `npm ci` here (scripts/test does both) and Debian's chromium at /usr/bin/chromium
(scripts/test installs it when root). Skipped with the reason when missing, except in CI (CI=true).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.api.test_readme import readme_query
from tests.federation.test_gateway import CLI_ENV, DEMO, Stack, _cli, _free_port

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TEACHER = 1
STARTUP_SECONDS = 30
SUBSCRIPTION = "subscription($id: ID!) { rollupJobUpdated(id: $id) { id state progress } }"
ENQUEUE = 'mutation { enqueueOutcomeRollupCalculation(courseId: "1", userId: "101") { id state } }'


def _require(missing: str | None) -> None:
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the real-client tests cannot run: {missing}")
        pytest.skip(missing)


def _node() -> str:
    node = shutil.which("node")
    _require("node is not on PATH" if node is None else
             None if (HERE / "node_modules" / "graphql-ws").is_dir() else
             "tests/clients/node_modules is missing (run: cd tests/clients && npm ci)")
    return node


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`outcome-graph serve` on the demo course with its worker; yields (graphql URL, teacher token)."""
    node = _node()
    stack = Stack(tmp_path_factory.mktemp("clients"))
    db = f"sqlite+aiosqlite:///{stack.workdir / 'demo.db'}"
    subprocess.run([*_cli(), "import", str(DEMO), "--database", db], cwd=stack.workdir, check=True,
                   capture_output=True, timeout=STARTUP_SECONDS, env=CLI_ENV)
    token = subprocess.run([*_cli(), "token", "create", "--user", str(TEACHER), "--database", db],
                           cwd=stack.workdir, check=True, capture_output=True, text=True, timeout=STARTUP_SECONDS,
                           env=CLI_ENV).stdout.strip()
    port = _free_port()
    try:
        stack.start("serve", [*_cli(), "serve", "--database", db, "--port", str(port)],
                    env={"OUTCOME_GRAPH_JOB_DELAY_SECONDS": "0", "OUTCOME_GRAPH_WORKER_POLL_SECONDS": "0.1"})
        stack.wait_ready("serve", f"http://127.0.0.1:{port}/healthz", time.monotonic() + STARTUP_SECONDS)
        yield node, f"http://127.0.0.1:{port}/graphql", token
    finally:
        stack.stop()
    assert "Traceback" not in stack.logs(), stack.logs()


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=HERE, capture_output=True, text=True, timeout=120)


def test_graphql_ws_client_follows_a_recalculation_job_to_succeeded(server):
    node, url, token = server
    run = _run([node, "subscribe.mjs", "--url", url, "--token", token, "--user", "101"])
    assert run.returncode == 0, run.stderr
    states = json.loads(run.stdout)["states"]
    assert states[-1] == "SUCCEEDED" and len(states) == len(set(states)), states


def _graphiql(server, tmp_path, query: str, variables: dict, expect: str) -> dict:
    node, url, token = server
    _require(None if Path(CHROMIUM).exists() else
             f"{CHROMIUM} is missing (apt-get install chromium; scripts/test installs it when root)")
    screenshot = tmp_path / "graphiql-failure.png"
    run = _run([node, "graphiql.mjs", "--url", url, "--token", token, "--query", query,
                "--variables", json.dumps(variables), "--expect", expect, "--screenshot", str(screenshot)])
    assert run.returncode == 0, f"{run.stderr}\nscreenshot: {screenshot}"
    return json.loads(run.stdout)


def test_graphiql_runs_the_readme_query(server, tmp_path):
    _, url, token = server
    expected = httpx.post(url, json={"query": readme_query()}, headers={"Authorization": f"Bearer {token}"},
                          timeout=30).json()
    assert "errors" not in expected and expected["data"]["course"]["name"] == "Grade 7 Science"
    assert _graphiql(server, tmp_path, readme_query(), {}, '"outcomeRollupAggregate"') == expected


def test_graphiql_follows_a_recalculation_job_to_succeeded(server, tmp_path):
    _, url, token = server
    job = httpx.post(url, json={"query": ENQUEUE}, headers={"Authorization": f"Bearer {token}"},
                     timeout=30).json()["data"]["enqueueOutcomeRollupCalculation"]
    shown = _graphiql(server, tmp_path, SUBSCRIPTION, {"id": job["id"]}, '"SUCCEEDED"')
    assert shown == {"data": {"rollupJobUpdated": {"id": job["id"], "state": "SUCCEEDED", "progress": 1.0}}}
