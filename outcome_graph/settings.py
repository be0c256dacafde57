"""Configuration, read once from the environment (OUTCOME_GRAPH_*) and passed in."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Mapping

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///outcome_graph.db"


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    graphiql: bool = True
    introspection: bool = True
    run_worker: bool = True  # run the rollup job worker inside `serve`
    worker_poll_seconds: float = 1.0
    job_delay_seconds: float = 60.0  # docs/behaviour.md §5.3: an enqueued recalculation runs a minute later
    job_lease_seconds: float = 300.0
    job_backoff_seconds: float = 10.0  # a failed job is retried after this x 2**attempts
    job_max_backoff_seconds: float = 3600.0  # ... at most this long, forever: see db/jobs.py
    busy_timeout_seconds: float = 30.0  # SQLite: a writer waits this long for the write lock
    recalc_batch_size: int = 200  # students per transaction of a course recalculation
    max_depth: int = 15
    max_aliases: int = 30
    max_directives: int = 50
    max_tokens: int = 5000
    max_query_length: int = 100_000  # characters of a query text
    max_body_bytes: int = 1_000_000  # a request body, and a WebSocket message
    max_header_bytes: int = 16_384  # all request headers together (names and values)
    max_cost: int = 100_000  # a full page of 100 rollups with 50 outcomes' scores costs about 50,000
    max_representations: int = 1_000  # `_entities` representations in one request
    max_socket_operations: int = 20  # operations running at once on one WebSocket
    refusal_delay_seconds: float = 0.1  # a request a limit refuses is answered this late (refusals.py)
    max_page_size: int = 100  # Canvas's maximum per_page (docs/behaviour.md §3.6)
    response_cache_size: int = 64  # query results kept per process, keyed by data version; 0 disables
    response_cache_bytes: int = 32_000_000  # and their encoded size together
    parse_cache_bytes: int = 64_000_000  # parsed documents kept (text + ~400 bytes a token)
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    sql_echo: bool = False
    # Python's collector runs every 700 allocations by default, and a large page allocates hundreds of
    # thousands of short-lived objects: each pass rescans the young ones. None keeps the interpreter's own.
    gc_threshold: tuple[int, int, int] | None = (50_000, 50, 1_000)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        p = "OUTCOME_GRAPH_"
        kw: dict = {}
        conv = {
            "DATABASE_URL": ("database_url", str),
            "GRAPHIQL": ("graphiql", _bool),
            "INTROSPECTION": ("introspection", _bool),
            "RUN_WORKER": ("run_worker", _bool),
            "WORKER_POLL_SECONDS": ("worker_poll_seconds", float),
            "JOB_DELAY_SECONDS": ("job_delay_seconds", float),
            "JOB_LEASE_SECONDS": ("job_lease_seconds", float),
            "JOB_BACKOFF_SECONDS": ("job_backoff_seconds", float),
            "JOB_MAX_BACKOFF_SECONDS": ("job_max_backoff_seconds", float),
            "BUSY_TIMEOUT_SECONDS": ("busy_timeout_seconds", float),
            "RECALC_BATCH_SIZE": ("recalc_batch_size", int),
            "MAX_DEPTH": ("max_depth", int),
            "MAX_ALIASES": ("max_aliases", int),
            "MAX_DIRECTIVES": ("max_directives", int),
            "MAX_TOKENS": ("max_tokens", int),
            "MAX_QUERY_LENGTH": ("max_query_length", int),
            "MAX_BODY_BYTES": ("max_body_bytes", int),
            "MAX_HEADER_BYTES": ("max_header_bytes", int),
            "MAX_COST": ("max_cost", int),
            "MAX_REPRESENTATIONS": ("max_representations", int),
            "MAX_SOCKET_OPERATIONS": ("max_socket_operations", int),
            "REFUSAL_DELAY_SECONDS": ("refusal_delay_seconds", float),
            "MAX_PAGE_SIZE": ("max_page_size", int),
            "RESPONSE_CACHE_SIZE": ("response_cache_size", int),
            "RESPONSE_CACHE_BYTES": ("response_cache_bytes", int),
            "PARSE_CACHE_BYTES": ("parse_cache_bytes", int),
            "CORS_ORIGINS": ("cors_origins", lambda v: tuple(o.strip() for o in v.split(",") if o.strip())),
            "SQL_ECHO": ("sql_echo", _bool),
            "GC_THRESHOLD": ("gc_threshold", lambda v: tuple(int(x) for x in v.split(",")) if v.strip() else None),
        }
        for name, (attr, fn) in conv.items():
            if p + name in env:
                kw[attr] = fn(env[p + name])
        return cls(**kw)
