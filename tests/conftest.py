"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL, an HTTP client, role tokens."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event, text

from outcome_graph.app import create_app
from outcome_graph.db.bundle import load_bundle_file
from outcome_graph.db.engine import create_engine
from outcome_graph.db.importer import import_bundle
from outcome_graph.db.migrate import upgrade
from outcome_graph.db.models import Base
from outcome_graph.db.tokens import create_token
from outcome_graph.settings import Settings

DEMO = Path(__file__).resolve().parents[1] / "outcome_graph" / "db" / "demo_course.json"
PG_ADMIN_URL = os.environ.get("OUTCOME_GRAPH_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")

# Roles in the demo course (scripts/make_demo_bundle.py).
TEACHER, TA, OBSERVER, DESIGNER = 1, 2, 3, 4
STUDENT, OBSERVED_STUDENT, TWO_SECTION_STUDENT, CONCLUDED, INACTIVE, NO_RESULTS = 101, 107, 105, 118, 122, 130


def _pg_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config, items):
    """Order-independent skip: PostgreSQL runs must run in CI, may be skipped locally with a reason."""
    if _pg_reachable():
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError("CI=true but no PostgreSQL at 127.0.0.1:5432: the suite must run on it")
    skip = pytest.mark.skip(reason="no PostgreSQL reachable at 127.0.0.1:5432 (start it to run these)")
    for item in items:
        if "[postgres" in item.nodeid or "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file, copied for each test (migrations run once per session)."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def make():
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        async with engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        await engine.dispose()

    asyncio.run(make())
    return path


@pytest.fixture(scope="session")
def pg_database() -> str:
    """A migrated PostgreSQL database for this session, dropped at the end."""
    name = f"og_test_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str):
        engine = create_engine(PG_ADMIN_URL)
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    async def migrate():
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path, sqlite_template) -> str:
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url = request.getfixturevalue("pg_database")

    async def truncate():
        engine = create_engine(url)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await engine.dispose()

    asyncio.run(truncate())
    return url


@pytest.fixture
def settings(database_url) -> Settings:
    # The response cache is off here so tests that write with plain SQL read fresh data;
    # tests/api/test_response_cache.py covers it. Refusals are answered at once (tests/api/test_refusal_delay.py).
    return Settings(database_url=database_url, run_worker=False, response_cache_size=0, refusal_delay_seconds=0)


class StatementCounter:
    """Counts SQL statements sent to the database (N+1 is a test, not a hope)."""

    def __init__(self):
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, *args):
        self.count += 1
        self.statements.append(statement)


class Api:
    """A GraphQL client over HTTP (in-process ASGI transport) with the app's lifespan running."""

    def __init__(self, client: httpx.AsyncClient, engine):
        self.client = client
        self.engine = engine
        self.tokens: dict[str, str] = {}
        self.counter = StatementCounter()
        event.listen(engine.sync_engine, "before_cursor_execute", self.counter)

    async def raw(self, query: str, variables: dict | None = None, token: str | None = None,
                  headers: dict | None = None) -> httpx.Response:
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        return await self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=h)

    async def query(self, query: str, variables: dict | None = None, *, as_: str | None = None,
                    token: str | None = None, errors: bool = False) -> dict:
        """Runs a query; fails the test on errors unless errors=True (then returns the whole body)."""
        if as_ is not None:
            token = self.tokens[as_]
        body = (await self.raw(query, variables, token)).json()
        if errors:
            assert body.get("errors"), f"expected errors, got {body}"
            return body
        assert not body.get("errors"), body.get("errors")
        return body["data"]

    async def statements(self, query: str, variables: dict | None = None, *, as_: str = "teacher",
                         warm: bool = True) -> int:
        """SQL statements one request costs; warm: once what is kept per data version (a course's roster and
        counts) is kept, as every request after the first (a query: it is run twice)."""
        if warm:
            await self.query(query, variables, as_=as_)
        before = self.counter.count
        await self.query(query, variables, as_=as_)
        return self.counter.count - before


async def make_tokens(engine) -> dict[str, str]:
    roles = {"teacher": TEACHER, "ta": TA, "observer": OBSERVER, "designer": DESIGNER,
             "student": STUDENT, "observed": OBSERVED_STUDENT, "two_sections": TWO_SECTION_STUDENT,
             "concluded": CONCLUDED, "inactive": INACTIVE, "no_results": NO_RESULTS}
    tokens = {name: await create_token(engine, user_id=uid) for name, uid in roles.items()}
    tokens["admin"] = await create_token(engine, admin=True)
    return tokens


@pytest.fixture
async def app_client(settings):
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield app, client


@pytest.fixture
async def empty_api(app_client) -> Api:
    """The service on an empty database."""
    app, client = app_client
    return Api(client, app.state.engine)


@pytest.fixture
async def api(empty_api) -> Api:
    """The service on the demo course, with a token per role."""
    await import_bundle(empty_api.engine, load_bundle_file(DEMO))
    empty_api.tokens = await make_tokens(empty_api.engine)
    return empty_api
