"""Async engine creation: one code path for SQLite (WAL) and PostgreSQL (asyncpg)."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from outcome_graph.db.sqlite_cursor import use_one_trip_cursors

DEFAULT_BUSY_TIMEOUT_SECONDS = 30.0  # how long a SQLite writer waits for the write lock before "database is locked"
# unicode_lower() as an SQL function on SQLite connections, whose built-in lower() folds ASCII only. Its own
# name: lower() stays SQLite's, which an expression index may have been built with.
SQLITE_UNICODE_LOWER = "unicode_lower"
_LOWER_CACHE: dict[str, str] = {}
_LOWER_CACHE_CAP = 100_000


def normalize_url(url: str) -> str:
    """Accept plain `sqlite:///x.db` and `postgresql://…` and pick the async drivers."""
    if url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + url[len("sqlite:"):]
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url


def is_sqlite(engine_or_url) -> bool:
    url = engine_or_url if isinstance(engine_or_url, str) else str(engine_or_url.url)
    return url.startswith("sqlite")


def create_engine(url: str, *, echo: bool = False,
                  busy_timeout_seconds: float = DEFAULT_BUSY_TIMEOUT_SECONDS) -> AsyncEngine:
    url = normalize_url(url)
    if is_sqlite(url):
        engine = create_async_engine(
            url, echo=echo, pool_size=5, max_overflow=10, connect_args={"timeout": busy_timeout_seconds},
        )
        busy_ms = int(busy_timeout_seconds * 1000)
        event.listen(engine.sync_engine, "connect", lambda conn, record: _sqlite_pragmas(conn, busy_ms))
        # Take the write lock at BEGIN so concurrent writers queue on busy_timeout
        # instead of failing with "database is locked" on lock upgrade.
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True)


def unicode_lower(text: str | None) -> str | None:
    """Lower case code point by code point with Unicode's simple mappings: what PostgreSQL's lower() gives
    under a UTF-8 libc locale (no final sigma, 'İ' -> 'i'; checked against C.UTF-8 for every code point).
    The one name fold of sort keys: SQL on SQLite (registered on each connection) and Python (rollups)."""
    if text is None:
        return None
    if text.isascii():
        return text.lower()
    folded = _LOWER_CACHE.get(text)  # a sort calls it once per row, and rows repeat their user's name
    if folded is None:
        if len(_LOWER_CACHE) >= _LOWER_CACHE_CAP:
            _LOWER_CACHE.clear()
        folded = _LOWER_CACHE[text] = "".join([c.lower()[0] for c in text])  # c.lower(): 'İ' -> 'i̇'
    return folded


def _sqlite_pragmas(dbapi_conn, busy_ms: int) -> None:
    use_one_trip_cursors(dbapi_conn)
    dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN itself
    dbapi_conn.create_function(SQLITE_UNICODE_LOWER, 1, unicode_lower, deterministic=True)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={busy_ms}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn) -> None:
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return  # reads (db/reader.py): each statement is its own snapshot, as in PostgreSQL's READ COMMITTED
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("write") else "BEGIN")


def writer(engine: AsyncEngine) -> AsyncEngine:
    """The same pool, but transactions take SQLite's write lock up front (a no-op elsewhere)."""
    return engine.execution_options(write=True)


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)
