"""Two `serve` replicas and two job workers on one PostgreSQL under mixed reads and writes (bench/replicas.py,
run here for a few seconds; docs/deployment.md): no errors, every job claimed exactly once, every stored and
served rollup equal to a fresh computation afterwards."""

from __future__ import annotations

import pytest

from bench.replicas import run_load


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_replicas_and_two_workers_on_one_postgres_under_mixed_load(api, settings, tmp_path):
    report = await run_load(settings.database_url, api.tokens["teacher"], seconds=6, clients=6, workdir=tmp_path)
    assert not report.failures, report.failures
    assert report.requests["write"] and report.requests["enqueue"] and report.jobs, report
