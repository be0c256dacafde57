"""The response cache serves repeated queries between writes and never serves stale data."""

import httpx
import pytest
from sqlalchemy import update

from outcome_graph.app import create_app
from outcome_graph.db import models
from outcome_graph.db.bundle import load_bundle_file
from outcome_graph.db.importer import import_bundle
from tests.conftest import DEMO, Api, make_tokens

Q = "{ course(id: 1) { name outcomeRollups(first: 2) { edges { node { user { id } scores { score } } } } } }"


@pytest.fixture
async def cached_api(settings):
    app = create_app(settings.with_(response_cache_size=8))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            api = Api(client, app.state.engine)
            await import_bundle(api.engine, load_bundle_file(DEMO))
            api.tokens = await make_tokens(api.engine)
            yield api


async def test_a_repeated_query_costs_only_the_probes(cached_api):
    first = await cached_api.statements(Q, warm=False)
    again = await cached_api.statements(Q, warm=False)
    await cached_api.statements("{ __typename }", warm=False)
    hit = await cached_api.statements("{ __typename }", warm=False)  # token look-up and data-version probe alone
    assert again == hit < first


async def test_a_write_invalidates_and_viewers_never_share_entries(cached_api):
    before = await cached_api.query(Q, as_="teacher")
    async with cached_api.engine.begin() as conn:
        await conn.execute(update(models.Course).where(models.Course.id == 1)
                           .values(name="Renamed", data_version=models.Course.data_version + 1))
    after = await cached_api.query(Q, as_="teacher")
    assert before["course"]["name"] == "Grade 7 Science" and after["course"]["name"] == "Renamed"
    student = await cached_api.query(Q, as_="student", errors=True)
    assert student["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_errors_are_not_cached(cached_api):
    bad = "{ course(id: 999) { name } }"
    for _ in range(2):
        before = cached_api.counter.count
        body = await cached_api.query(bad, as_="teacher", errors=True)
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert cached_api.counter.count - before > 1
