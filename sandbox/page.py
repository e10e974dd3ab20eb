"""The sandbox web page at ``/``: guests and, per guest, Overview and Orders tabs (cdp-api.md §6).

A static page (``sandbox/static/``) that polls ``/_page/state.json`` every second, so what a
marketer would check in CDP (orders, lines, data extensions, which API wrote them) updates live.
"""

from __future__ import annotations

from importlib import resources

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox import jsonio
from sandbox.app import AppContext
from sandbox.page_data import page_state

#: Static file name → media type; only these are served.
STATIC = {
    "index.html": "text/html; charset=utf-8",
    "page.css": "text/css; charset=utf-8",
    "page.js": "text/javascript; charset=utf-8",
}


def _static(name: str) -> Response:
    data = resources.files("sandbox").joinpath("static", name).read_bytes()
    return Response(data, media_type=STATIC[name], headers={"Cache-Control": "no-cache"})


def routes(ctx: AppContext) -> list[BaseRoute]:
    """``/`` (the page), its two assets and the JSON it polls."""

    async def index(_: Request) -> Response:
        return _static("index.html")

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return Response(b"not found", status_code=404)
        return _static(name)

    async def state(_: Request) -> Response:
        return Response(jsonio.dumps(page_state(ctx)), media_type="application/json")

    return [
        Route("/", index, methods=["GET"]),
        Route("/_page/state.json", state, methods=["GET"]),
        Route("/_page/{name}", asset, methods=["GET"]),
    ]
