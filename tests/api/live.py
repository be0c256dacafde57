"""The app under a real uvicorn server on a free loopback port, for tests that need a socket (WebSockets)."""

from __future__ import annotations

import asyncio
import contextlib

import uvicorn


@contextlib.asynccontextmanager
async def serving(app, *, lifespan: str = "on"):
    """Serves app in this event loop; yields its address. lifespan="off" for an app whose lifespan already runs."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan=lifespan))
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the server did not start"
        await asyncio.sleep(0.02)
    try:
        yield f"127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
