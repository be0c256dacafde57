"""Dialect-aware INSERT … ON CONFLICT DO UPDATE for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Sequence

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

CHUNK = 5000


def _insert_for(conn, table: Table):
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


async def upsert(conn, table: Table, rows: Sequence[dict], keys: Sequence[str]) -> None:
    """Insert rows, updating every non-key column of rows whose keys already exist."""
    if not rows:
        return
    stmt = _insert_for(conn, table)
    cols = [c for c in rows[0] if c not in keys]
    if keys:  # no keys: a plain insert of rows without a natural key
        stmt = (stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in cols})
                if cols else stmt.on_conflict_do_nothing(index_elements=list(keys)))
    for i in range(0, len(rows), CHUNK):
        await conn.execute(stmt, list(rows[i:i + CHUNK]))

