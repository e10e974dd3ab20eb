"""REST API v2.1 routes: orders, order items, contacts, consumers, extensions, guest look-up (§4).

Every route is Basic-authenticated (401), bodies must be JSON (415) and failures answer with the
documented error body. Writes are recorded with ``created_by``/``modified_by`` = ``"rest"``.
"""

from __future__ import annotations

from functools import partial

from starlette.routing import BaseRoute

from sandbox import rest_http as http
from sandbox.app import AppContext
from sandbox.rest_context import RestContext
from sandbox.rest_extensions import ExtensionRoutes
from sandbox.rest_items import ItemRoutes
from sandbox.rest_options import options_of
from sandbox.rest_orders import OrderRoutes
from sandbox.rest_people import PeopleRoutes
from sandbox.rest_repo import ItemExtrasRepo, PeopleRepo, ensure_schema


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
    return [route for group in groups for route in group.routes(wrap)]
