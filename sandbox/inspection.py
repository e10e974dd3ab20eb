"""Inspection API (``/_sandbox/...``): JSON views of what the sandbox holds, plus test controls.

Read-only: health, config, guests, orders, events, rejections, dropped, batches, sessions.
Controls: ``POST /_sandbox/reset``, ``GET|POST /_sandbox/clock``, ``GET|POST|DELETE /_sandbox/faults``.
Lists answer ``{"items": [...], "count": n}``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox import errors, views
from sandbox.app import AppContext
from sandbox.errors import json_response

Endpoint = Callable[[Request], Awaitable[Response]]


def _listing(items: list[Any]) -> Response:
    return json_response({"items": items, "count": len(items)})


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise errors.bad_request(f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise errors.bad_request("body must be a JSON object")
    return body


def _int(query: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(query.get(name, default))
    except ValueError as exc:
        raise errors.bad_request(f"{name} must be an integer") from exc


def _orders(ctx: AppContext, request: Request) -> Response:
    query, store = request.query_params, ctx.store
    if "referenceId" in query:
        orders = store.orders.find_by_reference(query["referenceId"])
    elif "guestRef" in query:
        orders = store.orders.for_guest(query["guestRef"])
    else:
        orders = store.orders.all(offset=_int(query, "offset", 0), limit=_int(query, "limit", 1000))
    return _listing([views.order_view(store, order) for order in orders])


def _one_order(ctx: AppContext, request: Request) -> Response:
    order = ctx.store.orders.get(request.path_params["order_ref"])
    if order is None:
        raise errors.not_found("no such order")
    return json_response(views.order_view(ctx.store, order))


def _guests(ctx: AppContext, request: Request) -> Response:
    query, store = request.query_params, ctx.store
    if "email" in query:
        guests = store.guests.find_by_email(query["email"])
    elif "provider" in query and "id" in query:
        found = store.guests.find_by_identifier(query["provider"], query["id"])
        guests = [] if found is None else [found]
    else:
        guests = store.guests.all(offset=_int(query, "offset", 0), limit=_int(query, "limit", 1000))
    return _listing([views.guest_view(store, guest) for guest in guests])


def _one_guest(ctx: AppContext, request: Request) -> Response:
    guest = ctx.store.guests.get(request.path_params["guest_ref"])
    if guest is None:
        raise errors.not_found("no such guest")
    return json_response(views.guest_view(ctx.store, guest))


def _events(ctx: AppContext, request: Request) -> Response:
    query = request.query_params
    events = ctx.store.journal.events(
        query.get("browserId"), after_seq=_int(query, "afterSeq", 0), limit=_int(query, "limit", 10000)
    )
    return _listing([views.event_view(event) for event in events])


def _rejections(ctx: AppContext, request: Request) -> Response:
    rejections = ctx.store.journal.rejections(request.query_params.get("reason"))
    return _listing([views.rejection_view(r) for r in rejections])


def _dropped(ctx: AppContext, _: Request) -> Response:
    return _listing([views.dropped_view(d) for d in ctx.store.journal.dropped()])


def _batches(ctx: AppContext, _: Request) -> Response:
    return _listing([views.batch_view(b) for b in ctx.store.journal.batches()])


def _sessions(ctx: AppContext, _: Request) -> Response:
    return _listing([views.session_view(s) for s in ctx.sessions.open_sessions(ctx.clock.now())])


def _stats(ctx: AppContext, _: Request) -> Response:
    open_sessions = len(ctx.sessions.open_sessions(ctx.clock.now()))
    return json_response({**ctx.store.counts(), "openSessions": open_sessions})


def _config(ctx: AppContext, _: Request) -> Response:
    shown = dataclasses.asdict(ctx.config)
    shown.pop("api_token")
    return json_response(shown)


def _health(_: AppContext, __: Request) -> Response:
    return json_response({"status": "ok"})


def _reset(ctx: AppContext, _: Request) -> Response:
    ctx.reset()
    return json_response({"status": "reset"})


def _clock_view(ctx: AppContext) -> Response:
    return json_response(
        {"now": ctx.clock.iso(), "epoch": ctx.clock.now(), "offsetSeconds": ctx.clock.offset}
    )


async def _clock(ctx: AppContext, request: Request) -> Response:
    if request.method == "POST":
        seconds = (await _json_body(request)).get("advance_seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise errors.bad_request("advance_seconds must be a number >= 0")
        ctx.clock.advance(float(seconds))
    return _clock_view(ctx)


async def _faults(ctx: AppContext, request: Request) -> Response:
    if request.method == "POST":
        body = await _json_body(request)
        specs = body.get("rules", [body])
        try:
            added = [ctx.faults.add(spec) for spec in specs]
        except (ValueError, TypeError, AttributeError) as exc:
            raise errors.bad_request(f"invalid fault rule: {exc}") from exc
        return json_response({"added": [a.as_json() for a in added]}, status=201)
    if request.method == "DELETE":
        ctx.faults.clear()
    return json_response({"rules": [active.as_json() for active in ctx.faults.rules()]})


_SYNC: dict[str, Callable[[AppContext, Request], Response]] = {
    "/_sandbox/health": _health,
    "/_sandbox/config": _config,
    "/_sandbox/stats": _stats,
    "/_sandbox/guests": _guests,
    "/_sandbox/guests/{guest_ref}": _one_guest,
    "/_sandbox/orders": _orders,
    "/_sandbox/orders/{order_ref}": _one_order,
    "/_sandbox/events": _events,
    "/_sandbox/rejections": _rejections,
    "/_sandbox/dropped": _dropped,
    "/_sandbox/batches": _batches,
    "/_sandbox/sessions": _sessions,
}


def _bind_sync(ctx: AppContext, view: Callable[[AppContext, Request], Response]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return view(ctx, request)

    return endpoint


def _bind_async(ctx: AppContext, view: Callable[[AppContext, Request], Awaitable[Response]]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return await view(ctx, request)

    return endpoint


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The inspection routes."""
    found: list[BaseRoute] = [Route(path, _bind_sync(ctx, view)) for path, view in _SYNC.items()]
    found += [
        Route("/_sandbox/reset", _bind_sync(ctx, _reset), methods=["POST"]),
        Route("/_sandbox/clock", _bind_async(ctx, _clock), methods=["GET", "POST"]),
        Route("/_sandbox/faults", _bind_async(ctx, _faults), methods=["GET", "POST", "DELETE"]),
    ]
    return found
