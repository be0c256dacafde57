"""REST requests over the in-process app of tests/conftest.py's `api` fixture (the demo course, a token per role)."""

from __future__ import annotations

import httpx
import pytest


class Rest:
    def __init__(self, api):
        self.api = api

    async def request(self, method: str, path: str, role: str | None = "teacher", params=None, **kwargs
                      ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if role is not None:
            headers["Authorization"] = f"Bearer {self.api.tokens.get(role, role)}"
        return await self.api.client.request(method, f"/api/v1/{path}", params=params, headers=headers, **kwargs)

    async def get(self, path: str, role: str | None = "teacher", params=None, **kwargs) -> httpx.Response:
        return await self.request("GET", path, role, params, **kwargs)

    async def json(self, path: str, role: str | None = "teacher", params=None) -> dict:
        response = await self.get(path, role, params)
        assert response.status_code == 200, response.text
        return response.json()

    async def refusal(self, path: str, role: str | None = "teacher", params=None) -> tuple[int, dict]:
        response = await self.get(path, role, params)
        assert response.status_code != 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        return response.status_code, response.json()


@pytest.fixture
async def rest(api) -> Rest:
    return Rest(api)


def bad_request(message: str) -> tuple[int, dict]:
    return 400, {"status": "bad_request", "message": message}


def forbidden(message: str) -> tuple[int, dict]:
    return 403, {"status": "forbidden", "message": message}


NOT_FOUND = (404, {"errors": [{"message": "The specified resource does not exist."}]})
