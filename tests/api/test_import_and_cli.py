"""Import (all-or-nothing, idempotent, docs/behaviour.md §2.5 merge) and the command line, as a user runs them."""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from outcome_graph.db import models
from outcome_graph.db.bundle import BundleError
from outcome_graph.db.importer import import_bundle
from tests.conftest import DEMO

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "outcome_graph"]


async def counts(engine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {t.name: (await conn.execute(select(func.count()).select_from(t))).scalar_one()
                for t in models.Base.metadata.sorted_tables if t.name != "alembic_version"}


def demo() -> dict:
    return orjson.loads(DEMO.read_bytes())


async def test_import_is_idempotent(empty_api):
    await import_bundle(empty_api.engine, demo())
    first = await counts(empty_api.engine)
    await import_bundle(empty_api.engine, demo())
    assert await counts(empty_api.engine) == first
    assert first["outcome_results"] == len(demo()["results"]) and first["rollups"] > 0


async def test_a_bad_bundle_writes_nothing(empty_api):
    doc = demo()
    doc["results"][-1]["user_id"] = 999_999
    with pytest.raises(BundleError, match=r"results\[\d+\]\.user_id"):
        await import_bundle(empty_api.engine, doc)
    assert all(n == 0 for n in (await counts(empty_api.engine)).values())


async def test_a_failure_while_writing_rolls_everything_back(empty_api, monkeypatch):
    async def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("outcome_graph.db.importer.merge", fail)  # the results, last in the import's transaction
    with pytest.raises(RuntimeError):
        await import_bundle(empty_api.engine, demo())
    assert all(n == 0 for n in (await counts(empty_api.engine)).values())


async def test_reimport_with_a_new_id_for_the_same_pair_updates_the_stored_result(empty_api):
    """docs/behaviour.md §2.5: the existing row keeps its id and takes the new score and possible."""
    doc = demo()
    await import_bundle(empty_api.engine, doc)
    again = copy.deepcopy(doc)
    victim = again["results"][0]
    original_id = victim["id"]
    victim.update(id=999_001, score=1, possible=10, percent=None)
    await import_bundle(empty_api.engine, again)
    async with empty_api.engine.connect() as conn:
        rows = (await conn.execute(select(models.OutcomeResult.id, models.OutcomeResult.score,
                                          models.OutcomeResult.possible)
                                   .where(models.OutcomeResult.user_id == victim["user_id"],
                                          models.OutcomeResult.alignment_id == victim["alignment_id"]))).all()
    assert [tuple(r) for r in rows] == [(original_id, 1.0, 10.0)]


async def test_percent_is_computed_when_absent(empty_api):
    await import_bundle(empty_api.engine, demo())
    data = await empty_api.query("{ __typename }")  # the service is up on the imported data
    assert data == {"__typename": "Query"}
    async with empty_api.engine.connect() as conn:
        missing = (await conn.execute(select(func.count()).where(
            models.OutcomeResult.percent.is_(None), models.OutcomeResult.score.is_not(None),
            models.OutcomeResult.possible > 0))).scalar_one()
    assert missing == 0


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, **(env or {})})


def test_cli_import_token_and_export_schema(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    imported = run_cli("import", str(DEMO), "--database", db)
    assert imported.returncode == 0, imported.stderr
    assert "imported course 1" in imported.stderr and "results 443/443 (100%)" in imported.stderr
    token = run_cli("token", "create", "--user", "1", "--database", db)
    assert token.returncode == 0 and token.stdout.strip().startswith("og_") and len(token.stdout.split()) == 1
    unknown = run_cli("token", "create", "--user", "424242", "--database", db)
    assert unknown.returncode == 2 and "no such user" in unknown.stderr
    sdl = run_cli("export-schema")
    assert sdl.returncode == 0 and "type Course @key" in sdl.stdout


def test_cli_import_rejects_a_bad_bundle_with_its_path(tmp_path):
    doc = demo()
    doc["outcomes"][0]["calculation_method"] = "median"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    result = run_cli("import", str(path), "--database", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 2
    assert result.stderr.startswith("error: outcomes[0].calculation_method")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_demo_prints_tokens_and_serves_graphiql(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([*CLI, "serve", "--demo", "--port", str(port)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("student token" in line for line in lines):
            lines.append(proc.stdout.readline())
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}/graphql" in text
        teacher = next(line for line in lines if "teacher token" in line).split()[-1]
        for _ in range(100):
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/graphql", headers={"Accept": "text/html"})
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        body = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ viewer { name } }"},
                          headers={"Authorization": f"Bearer {teacher}"}).json()
        assert body == {"data": {"viewer": {"name": "Grace Hopper"}}}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_shuts_down_gracefully_on_sigterm_and_exits_0(tmp_path, workers):
    """SIGTERM (what a supervisor sends): uvicorn's graceful shutdown lets the request in flight finish, the
    lifespan stops the worker, and the process exits 0 (uvicorn re-raises the signal; unhandled, the
    process died by it: exit status -15). With two workers the supervisor passes SIGTERM on to each HTTP
    process and the job worker, and waits for them."""
    port = _free_port()
    proc = subprocess.Popen([*CLI, "serve", "--database", f"sqlite:///{tmp_path / 'serve.db'}", "--port", str(port),
                             "--workers", workers], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "ok"}
                break
            except httpx.ConnectError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.1)
        # A request in flight at SIGTERM: headers and half of the body sent, the rest after the signal.
        body = json.dumps({"query": "{ __typename }"}).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(body) + body[:5])
            time.sleep(0.5)
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            assert proc.poll() is None, "the server must wait for the request in flight"
            conn.sendall(body[5:])
            response = b""
            while chunk := conn.recv(65536):
                response += chunk
        assert response.startswith(b"HTTP/1.1 200 ") and response.endswith(b'{"data":{"__typename":"Query"}}')
        assert proc.wait(timeout=10) == 0
        log = proc.stdout.read()
        assert "Application shutdown complete" in log and "Traceback" not in log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
