"""The product in process: create_app with its lifespan, requests straight through the ASGI app.

A request is one ASGI call (scope, one body message, collect the response): the whole Starlette +
strawberry view path with auth, context and orjson encoding, without an HTTP client's own cost
(httpx's in-process transport adds about a millisecond per request).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator

import orjson
from sqlalchemy import event

from outcome_graph.app import create_app
from outcome_graph.db.tokens import create_token
from outcome_graph.settings import Settings

from queries import INTROSPECT


class Product:
    """One running app: post GraphQL documents, count SQL statements, list available fields."""

    def __init__(self, app, token: str):
        self.app = app
        self.engine = app.state.engine
        self.headers = [(b"content-type", b"application/json"), (b"authorization", f"Bearer {token}".encode()),
                        (b"host", b"bench")]
        self.last_statements: list[str] = []

    async def post(self, query: str, variables: dict | None = None) -> bytes:
        body = orjson.dumps({"query": query, "variables": variables or {}})
        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": "/graphql", "raw_path": b"/graphql",
                 "query_string": b"", "root_path": "", "headers": self.headers,
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80), "state": {}}
        done = asyncio.Event()
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    done.set()

        await self.app(scope, receive, send)
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {b''.join(chunks)[:500]!r}")
        return b"".join(chunks)

    async def count(self, query: str, variables: dict | None = None) -> tuple[int, bytes]:
        """SQL statements one request costs (before_cursor_execute on the engine, BEGINs included)."""
        seen: list[str] = []

        def listener(_conn, _cursor, statement, *_args):
            seen.append(statement)

        event.listen(self.engine.sync_engine, "before_cursor_execute", listener)
        try:
            body = await self.post(query, variables)
        finally:
            event.remove(self.engine.sync_engine, "before_cursor_execute", listener)
        self.last_statements = seen
        return len(seen), body

    def begins(self) -> int:
        """How many of the last counted statements were BEGINs (one per pooled connection checkout)."""
        return sum(1 for s in self.last_statements if s.strip().upper().startswith("BEGIN"))

    async def fields(self) -> set[str]:
        """'Type.field' names the schema offers, by introspection."""
        data = orjson.loads(await self.post(INTROSPECT))["data"]
        out = {f"Course.{f['name']}" for f in (data["course"] or {}).get("fields") or []}
        mutation = (data["mutation"] or {}).get("mutationType") or {}
        out |= {f"Mutation.{f['name']}" for f in mutation.get("fields") or []}
        return out


def settings_for(db_path: str, **overrides) -> Settings:
    # max_page_size 10,000: B8 asks for 10,000 results in one page (Canvas's own limit is 100).
    # max_cost: that page costs more than the default budget of 50,000 fields.
    base = dict(database_url=f"sqlite+aiosqlite:///{db_path}", run_worker=False, graphiql=False,
                max_page_size=10_000, max_cost=10**9, response_cache_size=0)
    base.update(overrides)
    fields = Settings.__dataclass_fields__
    return Settings(**{k: v for k, v in base.items() if k in fields})


@contextlib.asynccontextmanager
async def running(db_path: str, user_id: int, **overrides) -> AsyncIterator[Product]:
    app = create_app(settings_for(db_path, **overrides))
    async with app.router.lifespan_context(app):
        token = await create_token(app.state.engine, user_id=user_id)
        yield Product(app, token)
