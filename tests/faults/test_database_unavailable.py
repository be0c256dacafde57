"""The database unavailable (issue 18, finding 5): PostgreSQL cut off behind a proxy under load, and SQLite's
storage faults (full, read-only, locked past the busy timeout). Every request answers a GraphQL error body
with SERVICE_UNAVAILABLE, HTTP 503, Retry-After and a requestId — never 500 text/plain — nothing half-written
stays, and the service answers normally again without a restart."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

import httpx
import pytest
from sqlalchemy import event, func, select

from outcome_graph.app import create_app
from outcome_graph.db import models as m
from outcome_graph.db.bundle import load_bundle_file
from outcome_graph.db.engine import create_engine
from outcome_graph.db.importer import import_bundle
from outcome_graph.settings import Settings
from tests.conftest import DEMO, make_tokens
from tests.faults.check import ALIGNMENTS, SERVED, STUDENTS, Ledger, assert_consistent, write
from tests.faults.proxy import Proxy

ANONYMOUS = "{ course(id: 1) { name } }"
READ = "{ course(id: 1) { outcomeRollups(first: 5) { edges { node { user { id } } } } } }"


def assert_unavailable(response: httpx.Response, reason: str | None = None) -> dict:
    """A 503 GraphQL error body naming the database as the cause, with a requestId and Retry-After."""
    assert response.status_code == 503, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    [error] = body["errors"]
    extensions = error["extensions"]
    assert extensions["code"] == "SERVICE_UNAVAILABLE" and len(extensions["requestId"]) == 32, body
    assert reason is None or extensions["reason"] == reason, body
    assert "Traceback" not in response.text and "sqlalchemy" not in response.text.lower()
    return body


# --- PostgreSQL stopped and started under load (a proxy in front of the shared server) -------------------

@contextlib.asynccontextmanager
async def client_for(settings: Settings):
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            yield client


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_postgres_cut_off_under_load_answers_503_then_recovers_without_restart(database_url):
    engine = create_engine(database_url)
    proxy = await Proxy("127.0.0.1", 5432).start()
    try:
        await import_bundle(engine, load_bundle_file(DEMO))
        tokens = await make_tokens(engine)
        proxied = database_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        assert proxied != database_url
        # the response cache on: its data-version read runs before execution, like the token lookup
        settings = Settings(database_url=proxied, run_worker=False, response_cache_size=64)
        ledger = Ledger()
        phase = {"now": "before"}
        seen: list[tuple[str, str, httpx.Response | None]] = []  # (phase at start, phase at end, response)
        stop = asyncio.Event()

        async with client_for(settings) as client:
            async def reader(query: str, token: str | None) -> None:
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                while not stop.is_set():
                    started = phase["now"]
                    response = await client.post("/graphql", json={"query": query}, headers=headers)
                    seen.append((started, phase["now"], response))
                    await asyncio.sleep(0.01)

            async def writer(student: int) -> None:
                score = 0.0
                while not stop.is_set():
                    for alignment in ALIGNMENTS:
                        started = phase["now"]
                        score = (score + 1) % 5
                        response = await write(client, tokens["teacher"], ledger, (student, alignment), score)
                        seen.append((started, phase["now"], response))
                        await asyncio.sleep(0.01)

            tasks = [asyncio.create_task(reader(ANONYMOUS, None)), asyncio.create_task(reader(READ, tokens["ta"])),
                     asyncio.create_task(reader(READ, tokens["teacher"]))]
            tasks += [asyncio.create_task(writer(s)) for s in STUDENTS[:3]]
            await asyncio.sleep(1.0)
            phase["now"] = "outage"
            proxy.cut()
            await asyncio.sleep(2.0)
            phase["now"] = "after"
            proxy.restore()
            await asyncio.sleep(1.5)
            stop.set()
            await asyncio.gather(*tasks)

            during = [r for start, end, r in seen if start == end == "outage" and r is not None]
            assert len(during) >= 10, len(during)
            for response in during:
                assert_unavailable(response, "database_unreachable")
            for _, _, response in seen:  # whatever the moment: a coded answer, never a bare 500
                if response is not None:
                    assert response.status_code in (200, 503), (response.status_code, response.text)
                    if response.status_code == 503:
                        assert_unavailable(response)
            # after the restart nothing is refused any more, the reads and the writes
            after = [r for start, _, r in seen if start == "after" and r is not None]
            assert after and all(r.status_code == 200 and "errors" not in r.json() for r in after[-6:])
            assert ledger.acknowledged
            served = (await client.post("/graphql", json={"query": SERVED},
                                        headers={"Authorization": f"Bearer {tokens['teacher']}"})).json()
        assert "errors" not in served, served
        await assert_consistent(engine, ledger, served["data"])
    finally:
        await proxy.close()
        await engine.dispose()


# --- SQLite: full, read-only, locked ------------------------------------------------------------------

@pytest.fixture
def settings(database_url) -> Settings:
    """A short busy timeout, so a held lock gives up quickly."""
    return Settings(database_url=database_url, run_worker=False, response_cache_size=0, busy_timeout_seconds=0.2)


def _path(database_url: str) -> str:
    return database_url.split("///", 1)[1]


@contextlib.contextmanager
def pragma_on_every_connection(engine, pragma: str):
    """Each new connection of the app runs the pragma (the pool is emptied first, and again after)."""
    def run(dbapi_conn, _record):
        cursor = dbapi_conn.cursor()
        cursor.execute(pragma)
        cursor.close()

    event.listen(engine.sync_engine, "connect", run)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "connect", run)


@contextlib.contextmanager
def disk_full(engine, database_url):
    with sqlite3.connect(_path(database_url)) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    with pragma_on_every_connection(engine, f"PRAGMA max_page_count={pages}"):
        yield


@contextlib.contextmanager
def read_only(engine, database_url):
    with pragma_on_every_connection(engine, "PRAGMA query_only=1"):
        yield


@contextlib.contextmanager
def locked(engine, database_url):
    conn = sqlite3.connect(_path(database_url), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


FAULTS = {"disk_full": disk_full, "read_only": read_only, "locked": locked}


async def counts(engine) -> tuple:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count(m.OutcomeResult.id), func.sum(m.Course.data_version))
                                   .select_from(m.Course).outerjoin(m.OutcomeResult,
                                                                    m.OutcomeResult.course_id == m.Course.id))).one()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("fault", FAULTS)
async def test_sqlite_storage_faults_answer_their_reason_write_nothing_and_pass(api, database_url, fault):
    ledger = Ledger()
    # a long title needs new pages: a full disk refuses it
    big = {"results": [{"userId": "130", "alignmentId": "401", "score": 3.0, "possible": 4.0, "title": "t" * 50_000}]}
    query = 'mutation($results: [OutcomeResultInput!]!) { recordOutcomeResults(courseId: "1", results: $results) ' \
            '{ id score user { id } alignment { id } } }'
    before = await counts(api.engine)
    with FAULTS[fault](api.engine, database_url):
        await api.engine.dispose()
        response = await api.raw(query, big, token=api.tokens["teacher"])
        body = assert_unavailable(response, fault)
        assert body["data"] is None and body["errors"][0]["path"] == ["recordOutcomeResults"], body
    await api.engine.dispose()
    assert await counts(api.engine) == before  # nothing written
    ledger.record((130, 401), 3.0, (await api.raw(query, big, token=api.tokens["teacher"])).json())
    assert (130, 401) in ledger.acknowledged
    await assert_consistent(api.engine, ledger, await api.query(SERVED, as_="teacher"))
