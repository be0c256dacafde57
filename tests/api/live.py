"""The app under a real uvicorn server on a free loopback port, for tests that need a socket (WebSockets)."""

from __future__ import annotations

import asyncio
import contextlib

import uvicorn

from outcome_graph.uvicorn_limits import uvicorn_options


@contextlib.asynccontextmanager
async def serving(app, *, lifespan: str = "on"):
    """Serves app in this event loop as `serve` does (its uvicorn limits); yields its address. lifespan="off" for
    an app whose lifespan already runs."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan=lifespan,
                                           **uvicorn_options(app.state.settings)))
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the server did not start"
        await asyncio.sleep(0.02)
    try:
        yield f"127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


async def demo_tokens(database_url: str) -> dict[str, str]:
    """The demo course imported into database_url, and a token per role (for tests that serve it themselves)."""
    from outcome_graph.db.bundle import load_bundle_file
    from outcome_graph.db.engine import create_engine
    from outcome_graph.db.importer import import_bundle
    from tests.conftest import DEMO, make_tokens

    engine = create_engine(database_url)
    try:
        await import_bundle(engine, load_bundle_file(DEMO))
        return await make_tokens(engine)
    finally:
        await engine.dispose()
