"""Every entry point, for every viewer of generated worlds, over HTTP and WebSocket, against an independent
"who may see what" oracle (tests/oracle/rules.py): no leak and no false refusal.

Worlds accumulate in one database per test (each has its own id range), so an example costs its imports and
a few requests per viewer. Differences are collected over all examples and reported once per class, with
the smallest world's reproduction, instead of failing (and shrinking) at the first one.
ORACLE_WORLDS / ORACLE_PG_WORLDS change how many worlds run on SQLite / PostgreSQL (e.g. more for a long hunt).
"""

from __future__ import annotations

import asyncio
import itertools
import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from outcome_graph.app import create_app
from tests.oracle.report import Findings
from tests.oracle.runner import Service, check_world
from tests.oracle.world import EVERY_FEATURE, worlds

# Generous request limits: one document carries a viewer's hundreds of probes.
LIMITS = dict(max_aliases=100_000, max_tokens=1_000_000, max_cost=100_000_000, max_depth=30,
              max_body_bytes=10_000_000)
EXAMPLES = {"sqlite": int(os.environ.get("ORACLE_WORLDS", "16")),
            "postgres": int(os.environ.get("ORACLE_PG_WORLDS", "3"))}
MIN_CHECKS_PER_WORLD = 300
# Mutations need an operation each (a failed one stops the rest of a document): worlds take turns to check
# them over HTTP and over WebSocket.
WRITES = ("http", "websocket")


@pytest.fixture
def oracle_settings(settings):
    return settings.with_(**LIMITS)


def test_every_entry_point_agrees_with_the_oracle(oracle_settings, database_url):
    dialect = "postgres" if database_url.startswith("postgresql") else "sqlite"
    loop = asyncio.new_event_loop()
    service = Service(create_app(oracle_settings))
    loop.run_until_complete(service.start())
    findings = Findings()
    bases = itertools.count(1)
    try:
        @settings(max_examples=EXAMPLES[dialect], deadline=None, derandomize=True, database=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(st.data())
        def explore(data):
            n = next(bases)
            world = data.draw(worlds(base=100_000 * n))
            tally = loop.run_until_complete(check_world(service, world, writes=WRITES[n % len(WRITES)]))
            assert tally.checks >= MIN_CHECKS_PER_WORLD, f"only {tally.checks} checks in a world"
            findings.add(world, tally)

        explore()
    finally:
        loop.run_until_complete(service.stop())
        loop.close()
    assert findings.worlds == EXAMPLES[dialect]
    if dialect == "sqlite":  # the full run; PostgreSQL's few worlds need not cover every combination
        assert EVERY_FEATURE <= findings.features, f"never generated: {sorted(EVERY_FEATURE - findings.features)}"
    assert not findings.classes, findings.report()
