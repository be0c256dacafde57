"""Operations running at once on one WebSocket, bounded: one more is refused with a coded error, the socket
and its other operations carry on (strawberry's own refusal has no extensions.code)."""

from __future__ import annotations

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from outcome_graph.refusals import wait_before_refusing


async def refuse_late(handler) -> None:
    """The socket reads nothing more until the refusal's delay passed (refusals.py)."""
    await wait_before_refusing(handler.view.settings.refusal_delay_seconds)


def too_many(maximum: int) -> dict:
    return GraphQLError(f"Too many operations at once on this WebSocket: at most {maximum}. Complete one first.",
                        extensions={"code": "BAD_USER_INPUT", "limit": "socketOperations", "max": maximum}).formatted


class TransportWSHandler(BaseGraphQLTransportWSHandler):
    """graphql-transport-ws."""

    async def handle_subscribe(self, message) -> None:
        maximum = self.max_subscriptions_per_connection
        if (self.connection_acknowledged and message["id"] not in self.operations and maximum is not None
                and len(self.operations) >= maximum):
            await refuse_late(self)
            await self.send_message({"id": message["id"], "type": "error", "payload": [too_many(maximum)]})
            return
        await super().handle_subscribe(message)


class LegacyWSHandler(BaseGraphQLWSHandler):
    """graphql-ws (subscriptions-transport-ws)."""

    async def handle_start(self, message) -> None:
        maximum = self.max_subscriptions_per_connection
        if (self.connection_acknowledged and maximum is not None and message["id"] not in self.tasks
                and len(self.tasks) >= maximum):
            await refuse_late(self)
            await self.send_message({"type": "error", "id": message["id"], "payload": too_many(maximum)})
            return
        await super().handle_start(message)
