"""REST API v2.1 routes: orders, order items, contacts, consumers, extensions, guest look-up (§4).

Every route is Basic-authenticated (401), bodies must be JSON (415) and failures answer with the
documented error body. Writes are recorded with ``created_by``/``modified_by`` = ``"rest"``.
"""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox import rest_http as http
from sandbox.app import AppContext
from sandbox.rest_context import RestContext
from sandbox.rest_errors import api_error
from sandbox.rest_extensions import ExtensionRoutes
from sandbox.rest_items import ItemRoutes
from sandbox.rest_options import options_of
from sandbox.rest_orders import OrderRoutes
from sandbox.rest_people import PeopleRoutes
from sandbox.rest_repo import ItemExtrasRepo, PeopleRepo, ensure_schema

ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def rest_context(ctx: AppContext) -> RestContext:
    """The REST handlers' shared context (creates the REST-only tables if needed)."""
    conn = ctx.store.conn
    ensure_schema(conn)
    return RestContext(ctx, options_of(ctx.config.extra_options), PeopleRepo(conn), ItemExtrasRepo(conn))


def routes(ctx: AppContext) -> list[BaseRoute]:
    """All REST v2.1 routes for the app ``ctx``."""
    rc = rest_context(ctx)
    wrap = partial(http.endpoint, ctx)
    groups = (OrderRoutes(rc), ItemRoutes(rc), ExtensionRoutes(rc), PeopleRoutes(rc))
    found: list[BaseRoute] = [route for group in groups for route in group.routes(wrap)]
    return [*found, Route("/v2.1/{path:path}", partial(_unknown, ctx), methods=list(ALL_METHODS))]


async def _unknown(ctx: AppContext, request: Request) -> Response:
    """Any other ``/v2.1`` path or verb: the documented 401 or 404 body, never a bare text page."""
    ctx.basic_auth(request)
    raise api_error(404, f"No resource {request.method} {request.url.path}")
