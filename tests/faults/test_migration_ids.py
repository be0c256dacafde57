"""Migration 0002 on a database made before it (both kinds): stored rows stay, and new result ids come from
the database's counter, above every source id (issue 18, 4)."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from sqlalchemy import text

from outcome_graph.db.engine import create_engine
from outcome_graph.db.importer import import_bundle
from outcome_graph.db.migrate import alembic_config, upgrade
from outcome_graph.db.models import SERVICE_ID_BASE
from outcome_graph.db.writes import ResultInput, record_results
from tests.conftest import PG_ADMIN_URL
from tests.faults.bundles import demo, free_pairs


async def _to(engine, revision: str) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def _admin(sql: str) -> None:
    engine = create_engine(PG_ADMIN_URL)
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(sql))
    await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def old_database(request, tmp_path):
    """An empty database migrated only to 0001."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    name = f"og_mig_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_upgrading_a_database_with_results_keeps_them_and_counts_new_ids_from_the_base(old_database):
    doc = demo()
    engine = create_engine(old_database)
    try:
        await _to(engine, "0001")
        async with engine.begin() as conn:  # what 0001's code stored: source ids only
            for sql in ("INSERT INTO courses (id, name) VALUES (1, 'Old')",
                        "INSERT INTO users (id, name, sortable_name) VALUES (101, 'Maya', 'Patel, Maya')"):
                await conn.execute(text(sql))
        await upgrade(engine)
        await import_bundle(engine, doc)
        async with engine.connect() as conn:
            count = (await conn.execute(text("SELECT count(*) FROM outcome_results"))).scalar_one()
        assert count == len(doc["results"])
        pairs = free_pairs(doc)[:2]
        rows = await record_results(engine, 1, [ResultInput(path=f"results[{i}]", user_id=u, sis_user_id=None,
                                                            alignment_id=a, outcome_id=None, score=1.0, possible=4.0)
                                                for i, (u, a) in enumerate(pairs)])
        assert [row.id for row in rows] == [SERVICE_ID_BASE, SERVICE_ID_BASE + 1]
    finally:
        await engine.dispose()
