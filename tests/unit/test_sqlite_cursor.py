"""db/sqlite_cursor.py: one trip to aiosqlite's thread per statement, with rows, rowcount and errors intact."""

from __future__ import annotations

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from outcome_graph.db.engine import create_engine


@pytest.fixture
async def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'trips.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch) -> list:
    calls: list = []
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        calls.append(getattr(fn, "__name__", fn))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return calls


async def test_each_statement_is_one_trip_with_its_rows_and_counts(engine, trips):
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))  # the connection's own BEGIN
        trips.clear()
        inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.lastrowid == 1 and inserted.rowcount == 1
        many = await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "b"}, {"n": "c"}])
        assert many.rowcount == 2
        rows = (await conn.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "b"), (3, "c")]
        updated = await conn.execute(text("UPDATE t SET name = 'z' WHERE id > 1"))
        assert updated.rowcount == 2
        returned = (await conn.execute(text("INSERT INTO t (name) VALUES ('d') RETURNING id, name"))).all()
        assert [tuple(r) for r in returned] == [(4, "d")]
        assert len(trips) == 5, trips  # five statements, five trips (the adapter alone makes about four each)


async def test_a_failing_statement_raises_the_driver_error_and_the_connection_goes_on(engine):
    async with engine.connect() as conn:
        with pytest.raises(IntegrityError):
            await conn.execute(text("INSERT INTO t (id, name) VALUES (1, NULL)"))
        await conn.rollback()
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
