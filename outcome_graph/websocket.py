"""WebSocket messages as TEXT frames: graphql-transport-ws clients in browsers (GraphiQL, graphql-ws) reject
binary frames, and the view's orjson encoder returns bytes, which strawberry would send as binary."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's adapter, sending every message as UTF-8 text whatever encode_json returns."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        try:
            await self.ws.send_text(encoded.decode() if isinstance(encoded, bytes) else encoded)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc
