"""REST while PostgreSQL is cut off (a proxy in front of it): 503 in Canvas's error shape with Retry-After, never a
500 or a traceback; answers again once the database is back, without a restart."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from outcome_graph.app import create_app
from outcome_graph.db.bundle import load_bundle_file
from outcome_graph.db.engine import create_engine
from outcome_graph.db.importer import import_bundle
from outcome_graph.settings import Settings
from tests.conftest import DEMO, make_tokens
from tests.faults.proxy import Proxy


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_rest_answers_503_while_the_database_is_cut_off(database_url):
    engine = create_engine(database_url)
    proxy = await Proxy("127.0.0.1", 5432).start()
    try:
        await import_bundle(engine, load_bundle_file(DEMO))
        token = (await make_tokens(engine))["teacher"]
        proxied = database_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        app = create_app(Settings(database_url=proxied, run_worker=False, response_cache_size=0))
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            async def rollups() -> httpx.Response:
                return await client.get("/api/v1/courses/1/outcome_rollups",
                                        headers={"Authorization": f"Bearer {token}"})

            assert (await rollups()).status_code == 200
            proxy.cut()
            await asyncio.sleep(0.2)
            response = await rollups()
            assert response.status_code == 503, response.text
            assert int(response.headers["retry-after"]) > 0
            assert list(response.json()) == ["errors"] and response.json()["errors"][0]["message"]
            assert "Traceback" not in response.text and "sqlalchemy" not in response.text.lower()
            proxy.restore()
            for _ in range(50):
                if (await rollups()).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            assert (await rollups()).status_code == 200
    finally:
        await proxy.close()
        await engine.dispose()
