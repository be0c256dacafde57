"""`outcome-graph import` answers every failure with one line on stderr and a non-zero exit, never a traceback
(issue 18, 3): a refused bundle, an unreachable or unopenable database. Progress lines may come first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO
from tests.faults.bundles import second_course

ROOT = Path(__file__).resolve().parents[2]


def run_import(bundle: Path, database: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "outcome_graph", "import", str(bundle), "--database", database],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, env=dict(os.environ))


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    *before, last = done.stderr.strip().splitlines()
    assert last.startswith("error: ") and all(line.startswith("results ") for line in before), done.stderr
    return last


def test_a_bundle_taking_another_courses_result_is_refused_with_its_path(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run_import(DEMO, db).returncode == 0
    bundle = tmp_path / "course2.json"
    bundle.write_text(json.dumps(second_course(results=[
        {"id": 1001, "user_id": 102, "outcome_id": 201, "alignment_id": 20_004, "score": 4, "possible": 4}])))
    done = run_import(bundle, db)
    assert done.returncode == 2
    assert one_line_error(done).startswith("error: results[0].id: result 1001 belongs to course 1")


@pytest.mark.parametrize("database", ["postgresql://postgres@127.0.0.1:9/unreachable",
                                      "sqlite:////nonexistent-dir/og.db"])
def test_a_database_failure_is_one_line(database):
    line = one_line_error(run_import(DEMO, database))
    assert line.startswith("error: database ")
