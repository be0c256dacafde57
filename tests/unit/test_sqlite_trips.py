"""SQLite statements make one trip to aiosqlite's thread (db/sqlite_cursor.py), and answer as before: rows,
rowcount, lastrowid, executemany and driver errors."""

from __future__ import annotations

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from outcome_graph.db.engine import create_engine


@pytest.fixture
def trips(monkeypatch) -> list[int]:
    count = [0]
    execute = aiosqlite.Connection._execute

    async def counting(self, fn, *args, **kwargs):
        count[0] += 1
        return await execute(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return count


async def test_a_statement_is_one_trip_and_answers_as_before(tmp_path, trips):
    engine = create_engine(f"sqlite:///{tmp_path / 'trips.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER UNIQUE)"))
            await conn.execute(text("INSERT INTO t (a) VALUES (:a)"), [{"a": 1}, {"a": 2}, {"a": 3}])
            trips[0] = 0
            assert (await conn.execute(text("SELECT a FROM t WHERE a > :x ORDER BY a"), {"x": 1})).all() == \
                [(2,), (3,)]
            assert trips == [1]
            assert (await conn.execute(text("UPDATE t SET a = a * 10 WHERE a < 3"))).rowcount == 2
            assert (await conn.execute(text("INSERT INTO t (a) VALUES (7)"))).lastrowid == 4
            assert trips == [3]
            with pytest.raises(IntegrityError):
                await conn.execute(text("INSERT INTO t (a) VALUES (7)"))
    finally:
        await engine.dispose()
