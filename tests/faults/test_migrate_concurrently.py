"""Processes starting together on a fresh database (a `serve --workers N`, replicas after an upgrade) each run the
migrations: one applies them and the others wait and find them applied (docs/deployment.md §2)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import text

from outcome_graph.db.engine import create_engine
from tests.conftest import PG_ADMIN_URL


async def admin(sql: str) -> None:
    engine = create_engine(PG_ADMIN_URL)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"og_fresh_{uuid.uuid4().hex[:10]}"
    await admin(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_four_processes_migrating_one_fresh_database_at_once_all_succeed(fresh_url):
    procs = [subprocess.Popen([sys.executable, "-m", "outcome_graph", "token", "list", "--database", fresh_url],
                              env=os.environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outputs = [await asyncio.to_thread(p.communicate, timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err[-2000:] for _, err in outputs]
    assert all(out.startswith("id") for out, _ in outputs), outputs
