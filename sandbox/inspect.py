"""Inspection API (``/_sandbox/...``): read-only views of what the sandbox holds, plus test controls."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.app import AppContext
from sandbox.errors import json_response


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The inspection routes."""

    async def health(_: Request) -> Response:
        return json_response({"status": "ok"})

    return [Route("/_sandbox/health", health)]
