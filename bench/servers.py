"""ASGI apps uvicorn serves for B10/B11: the product, and plain Starlette routes serving the floors.

    uvicorn servers:product_app --factory --app-dir bench   (BENCH_DB, BENCH_CACHE in the environment)
"""

from __future__ import annotations

import os

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import floors
from product import settings_for


def product_app():
    from outcome_graph.app import create_app

    overrides = {"response_cache_size": int(os.environ.get("BENCH_CACHE", "0"))}
    if os.environ.get("BENCH_DATABASE_URL"):  # the PostgreSQL peer comparison
        overrides["database_url"] = os.environ["BENCH_DATABASE_URL"]
    return create_app(settings_for(os.environ.get("BENCH_DB", ""), **overrides))


def floor_app() -> Starlette:
    """POST /graphql: the Trivial and Gradebook operations, answered by the floors after the same auth."""
    from floor_rollups import connect

    con = connect(os.environ["BENCH_DB"])

    async def graphql(request: Request) -> Response:
        body = orjson.loads(await request.body())
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or floors.viewer(con, auth[7:]) is None:
            return JSONResponse({"errors": [{"message": "Invalid access token."}]}, status_code=401)
        query, variables = body["query"], body.get("variables") or {}
        course = int(variables["course"])
        if "query Trivial" in query:
            out = floors.trivial(con, course)
        elif "query Gradebook" in query:
            out = floors.rollup_page(con, course, int(variables["first"]))
        else:
            return JSONResponse({"errors": [{"message": "the floor serves Trivial and Gradebook only"}]},
                                status_code=400)
        return Response(out, media_type="application/json")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)])
