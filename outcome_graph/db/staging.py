"""An import's results, staged before the write lock and merged under it in a few set-wise statements.

Sending a million rows from Python is most of a big import's time; done into a temporary table of the
import's own connection it takes no write lock (SQLite keeps temporary tables in a database of their own),
so writers of the course wait only for the statements below, which run inside the database (docs/imports.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from outcome_graph.db.bundle import RESULT_COLUMNS

STAGE = "import_results"
CHUNK = 5000
_COLS = ", ".join(RESULT_COLUMNS)
_DATETIMES = [RESULT_COLUMNS.index("submitted_at"), RESULT_COLUMNS.index("assessed_at")]


def _sqlite_datetimes(rows: Sequence[tuple]) -> list[tuple]:
    """The driver-level path bypasses SQLAlchemy's types: store datetimes in its SQLite text format (the year
    in four digits: strftime's %Y gives "1" for year 1 on glibc, which no reader parses back)."""
    out = []
    for row in rows:
        row = list(row)
        for i in _DATETIMES:
            if isinstance(row[i], datetime):
                row[i] = row[i].isoformat(" ", "microseconds")  # naive UTC: no offset is written
        out.append(tuple(row))
    return out


@asynccontextmanager
async def staged(conn, rows: Sequence[tuple],
                 progress: Callable[[int, int], None] | None = None) -> AsyncIterator[None]:
    """The rows (RESULT_COLUMNS order) in this connection's temporary STAGE table, committed; dropped on exit
    (pooled connections outlive the import)."""
    try:
        await _stage(conn, rows, progress)
        yield
    finally:
        with suppress(SQLAlchemyError):  # a broken connection took its temporary table with it
            await conn.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGE}")
            await conn.commit()


async def _stage(conn, rows: Sequence[tuple], progress: Callable[[int, int], None] | None) -> None:
    sqlite = conn.dialect.name == "sqlite"
    await conn.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGE}")
    await conn.exec_driver_sql(f"CREATE TEMP TABLE {STAGE} AS SELECT {_COLS} FROM outcome_results WHERE 1 = 0")
    marks = ", ".join("?" if sqlite else f"${i + 1}" for i in range(len(RESULT_COLUMNS)))
    sql = f"INSERT INTO {STAGE} ({_COLS}) VALUES ({marks})"
    for i in range(0, len(rows), CHUNK):
        chunk = list(rows[i:i + CHUNK])
        await conn.exec_driver_sql(sql, _sqlite_datetimes(chunk) if sqlite else chunk)
        if progress:
            progress(min(i + CHUNK, len(rows)), len(rows))
    if progress and not rows:
        progress(0, 0)
    if not sqlite:  # temporary tables get no statistics of their own: the merge's plan needs them
        await conn.exec_driver_sql(f"ANALYZE {STAGE}")
    await conn.commit()


async def foreign_result(conn, course_id: int):
    """A staged result whose id is stored in another course or for another (user, alignment), or None."""
    return (await conn.execute(text(
        f"SELECT s.id, r.course_id, r.user_id, r.alignment_id, s.user_id AS new_user, s.alignment_id AS new_alignment "
        f"FROM {STAGE} s JOIN outcome_results r ON r.id = s.id "
        f"WHERE r.course_id <> :course OR r.user_id <> s.user_id OR r.alignment_id <> s.alignment_id LIMIT 1"),
        {"course": course_id})).first()


async def merge(conn) -> None:
    """Writes the staged results (docs/behaviour.md §2.5: a (user, alignment) stored under another id keeps that id
    and takes the new score, possible and percent)."""
    await conn.exec_driver_sql(
        f"UPDATE outcome_results SET score = s.score, possible = s.possible, percent = s.percent FROM {STAGE} s "
        f"WHERE outcome_results.user_id = s.user_id AND outcome_results.alignment_id = s.alignment_id "
        f"AND outcome_results.id <> s.id")
    cols = [c for c in RESULT_COLUMNS if c != "id"]
    distinct = "IS NOT" if conn.dialect.name == "sqlite" else "IS DISTINCT FROM"
    changed = " OR ".join(f"outcome_results.{c} {distinct} excluded.{c}" for c in cols)  # a re-import rewrites
    await conn.exec_driver_sql(  # only the rows it changes
        f"INSERT INTO outcome_results ({_COLS}) SELECT {_COLS} FROM {STAGE} s WHERE NOT EXISTS ("
        f"SELECT 1 FROM outcome_results r WHERE r.user_id = s.user_id AND r.alignment_id = s.alignment_id "
        f"AND r.id <> s.id) ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in cols)} "
        f"WHERE {changed}")
