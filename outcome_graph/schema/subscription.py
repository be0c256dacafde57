"""The Subscription root: watch a rollup job over graphql-transport-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Optional

import strawberry

from outcome_graph.resolvers.access import entry_point
from outcome_graph.resolvers.jobs import watch_job
from outcome_graph.schema.job import RollupJob


@strawberry.type
class Subscription:
    @strawberry.subscription(description="The job now, then on every change of its state, progress, attempts, "
                                         "error or times, until it has SUCCEEDED or FAILED. Graders of its course "
                                         "only. Over WebSocket (graphql-transport-ws); send the token as the "
                                         "Authorization header or as connection_init's payload "
                                         "{\"Authorization\": \"Bearer <token>\"}.")
    @entry_point("Subscription.rollupJobUpdated")
    async def rollup_job_updated(self, info: strawberry.Info,
                                 id: strawberry.ID) -> AsyncGenerator[Optional[RollupJob], None]:
        async for row in watch_job(info.context, id):
            yield RollupJob.from_row(row)
