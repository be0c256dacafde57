"""Apply Alembic migrations to the configured database (run by `serve` and `import`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from outcome_graph.db import locks
from outcome_graph.db.engine import writer

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


async def upgrade(engine: AsyncEngine) -> None:
    """Every process runs this at start, several at once under `serve --workers N` or a fleet of replicas: one
    transaction holding the write lock (SQLite) or the migrations' advisory lock (PostgreSQL, whose DDL is
    transactional), so one process migrates and the others then find the database at head."""
    async with writer(engine).begin() as conn:
        await locks.lock(conn, locks.MIGRATIONS, 0)
        await conn.run_sync(lambda sync_conn: command.upgrade(alembic_config(sync_conn), "head"))
